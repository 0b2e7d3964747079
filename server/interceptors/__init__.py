"""Server interceptors, one concern each, in the order they wrap a call:

1. :class:`RequestContextInterceptor` opens the call context and request id.
2. :class:`AccessLogInterceptor` writes one log line when the call ends.
3. :class:`StatusInterceptor` maps errors to statuses and sends the headers.
4. :class:`AuthenticationInterceptor` verifies the bearer token.
5. :class:`TenancyInterceptor` resolves the account the call acts for.
6. :class:`RateLimitInterceptor` counts the call against the account's budget.
7. :class:`AuthorizationInterceptor` checks the tier and the method's scope.
"""

from neurogate.server.interceptors.access_log import AccessLogInterceptor
from neurogate.server.interceptors.authentication import AuthenticationInterceptor
from neurogate.server.interceptors.authorization import AuthorizationInterceptor
from neurogate.server.interceptors.rate_limit import RateLimitInterceptor
from neurogate.server.interceptors.request_context import RequestContextInterceptor
from neurogate.server.interceptors.status import StatusInterceptor
from neurogate.server.interceptors.tenancy import TenancyInterceptor

__all__ = [
    "AccessLogInterceptor",
    "AuthenticationInterceptor",
    "AuthorizationInterceptor",
    "RateLimitInterceptor",
    "RequestContextInterceptor",
    "StatusInterceptor",
    "TenancyInterceptor",
]

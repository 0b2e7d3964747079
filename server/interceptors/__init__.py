"""Server interceptors, one concern each, in the order they wrap a call:

1. :class:`RequestContextInterceptor` opens the call context and request id.
2. :class:`AccessLogInterceptor` writes one log line when the call ends.
3. :class:`StatusInterceptor` maps errors to statuses and sends the headers.
4. :class:`GuardInterceptor` runs the guards, in this order:
   :class:`AuthenticationGuard` verifies the bearer token,
   :class:`TenancyGuard` resolves the account the call acts for,
   :class:`RateLimitGuard` counts the call against the account's budget,
   :class:`AuthorizationGuard` checks the tier and the method's scope.
5. :class:`RequestDecodingInterceptor` refuses a request that does not parse.
"""

from neurogate.server.interceptors._base import Guard, GuardInterceptor
from neurogate.server.interceptors.access_log import AccessLogInterceptor
from neurogate.server.interceptors.authentication import AuthenticationGuard
from neurogate.server.interceptors.authorization import AuthorizationGuard
from neurogate.server.interceptors.rate_limit import RateLimitGuard
from neurogate.server.interceptors.request_context import RequestContextInterceptor
from neurogate.server.interceptors.request_decoding import RequestDecodingInterceptor
from neurogate.server.interceptors.status import StatusInterceptor
from neurogate.server.interceptors.tenancy import TenancyGuard

__all__ = [
    "AccessLogInterceptor",
    "AuthenticationGuard",
    "AuthorizationGuard",
    "Guard",
    "GuardInterceptor",
    "RateLimitGuard",
    "RequestContextInterceptor",
    "RequestDecodingInterceptor",
    "StatusInterceptor",
    "TenancyGuard",
]

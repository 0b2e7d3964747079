"""Statistics and analytics on datasets' tables: plain functions over pandas,
NumPy, SciPy, statsmodels and scikit-learn, testable without a server. The
services run them in compute workers on tables from :mod:`.tables`."""

"""Statistical process control: control charts, run rules and process
capability, as plain functions over NumPy and pandas (docs/spc.md).
Limits follow Montgomery's *Introduction to Statistical Quality Control* and
R's qcc package, which the tests reproduce to four decimals."""

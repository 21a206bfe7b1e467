"""Statistics: exact tests, intervals, power, robustness, response classes and dose-response fits."""

"""Statistics: exact tests, intervals, power, robustness, response classes, dose-response fits."""

"""Turnover analytics: rates, reasons, contagion, cost, forecast, comparisons, charts and exports."""

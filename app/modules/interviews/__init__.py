"""Exit interviews (scheduled, recorded, reasons confirmed) and the anonymous exit survey."""

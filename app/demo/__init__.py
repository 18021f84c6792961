"""Demo data: a Hohhot debt-collection company with two years of staffing history.

`flask demo load` writes it; tests call `load_demo(session)`.
"""
from app.demo.loader import demo_steps, load_demo

__all__ = ["demo_steps", "load_demo"]

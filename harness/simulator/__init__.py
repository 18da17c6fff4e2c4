"""The built-in simulator of vendor APIs (loopback only)."""

from harness.simulator.server import Fault, SimConfig, Simulator

__all__ = ["Fault", "SimConfig", "Simulator"]

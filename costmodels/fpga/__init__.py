"""FPGA cost models (placeholder until the package exports are written)."""

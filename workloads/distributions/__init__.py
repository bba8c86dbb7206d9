"""Input distributions: sequence lengths (FPGA), harvested-power traces (ASIC/EVE)."""

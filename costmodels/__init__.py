"""Cost-model families: ``asic``, ``he``, ``mpc``, ``fpga``, ``cim`` (one subpackage each)."""

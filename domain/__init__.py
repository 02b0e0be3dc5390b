"""The rules of the register: aggregates, value objects and domain errors, with no I/O."""

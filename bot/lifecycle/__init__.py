"""The model lifecycle: training through the gate, the registry, the kill switch, live accuracy."""

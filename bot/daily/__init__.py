"""The daily run: score, decide fresh or fallback, choose alerts, write once; health checks."""

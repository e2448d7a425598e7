"""Block Kit rendering, pure: alerts, ``/atrisk`` answers, App Home, modals."""

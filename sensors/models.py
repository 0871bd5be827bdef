"""Models of sensors: none yet; see the open issues for what lands here."""

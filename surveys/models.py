"""Models of surveys: none yet; see the open issues for what lands here."""

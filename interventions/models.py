"""Models of interventions: none yet; see the open issues for what lands here."""

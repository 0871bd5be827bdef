"""Settings split: base (shared), local (run command), test (pytest), production."""

"""LabForge trainer worker: LAB-style fine-tuning driven by a JSON config, JSON Lines events out."""

__version__ = "0.1.0"

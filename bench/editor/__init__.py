"""The editor in a real Chromium: opening big photos, the posted mask, Find text."""

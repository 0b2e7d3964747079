"""Machine learning: estimators for tabular and EEG data, and the signed
storage of fitted models."""

"""FHIR R4 read and search over the scheduling data (`fhir.resources`, R4B models)."""

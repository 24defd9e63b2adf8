"""The waitlist: entries, freed slots matched against them, and offers to the patients."""

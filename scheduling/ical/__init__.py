"""iCalendar: providers' subscribable feeds and the patient's appointment attachment."""

"""State changes of records (案件): one transaction per service function."""

"""Time-driven jobs: the scheduler runner and thin jobs that call services."""

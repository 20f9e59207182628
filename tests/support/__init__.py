"""What several test files share: paths, input builders, fixtures data. Not tests themselves."""

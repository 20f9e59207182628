"""The verdict: findings, the engine, reachability and rules/. Verdicts are made only here."""

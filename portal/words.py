"""Swedish for counts: "1 rapport", "2 rapporter", "0 rapporter"."""


def counted(count: int, one: str, many: str) -> str:
    """The count with the noun that fits it. Swedish uses the singular for one only."""
    return f"{count} {one if count == 1 else many}"

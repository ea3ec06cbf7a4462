"""Root conftest: loaded for every pytest run, including one that runs a single notebook."""


# --------------------------------------------------------------------------- lesson exercises
def pytest_collection_modifyitems(items):
    """When nbval runs a lesson notebook, fill its "Try it yourself" stub with the reference
    solution and make the check cell assert that the check passes: the notebook's checker is
    tested end to end, and a notebook whose stub drifted from the exercise fails here."""
    import importlib

    for item in items:
        cell = getattr(item, "cell", None)
        tags = cell.metadata.get("tags", []) if cell is not None else []
        if "exercise-stub" in tags:
            module = next(line.split()[1] for line in cell.source.splitlines()
                          if line.startswith("from widgets.lessons.") and "_exercise import" in line)
            cell.source = importlib.import_module(module).EXERCISE.filled(cell.source)
        elif "exercise-check" in tags:
            cell.source = (f"__kit_result = {cell.source.strip()}\n"
                           "assert __kit_result.ok, str(__kit_result)\n__kit_result")

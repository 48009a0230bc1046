"""The command tree is attached once: calling build() again (tests and tools do) must not grow it."""


def test_build_is_idempotent_so_the_cli_does_not_slow_down_with_every_call() -> None:
    from cxjourney.cli.main import build

    first = [g.name for g in build().registered_groups], [c.name for c in build().registered_commands]
    again = [g.name for g in build().registered_groups], [c.name for c in build().registered_commands]
    assert first == again
    assert len(first[0]) == len(set(first[0])), f"a sub-app is registered twice: {first[0]}"

"""`python -m deployments`: blocks, work pool and concurrency limit, then automations."""

import sys

from deployments import setup_automations, setup_blocks


def main() -> int:
    return setup_blocks.main() or setup_automations.main()


if __name__ == "__main__":
    sys.exit(main())

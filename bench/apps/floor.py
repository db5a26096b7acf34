"""(a) The floor: an app with one empty stack. Measures loading aws-cdk-lib into Node and synthesizing."""

import common

if __name__ == "__main__":
    common.run(None)

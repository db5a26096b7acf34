"""The moto class every local CloudFormation model derives from (``local/resources.py``,
``local/services/scheduler.py``). The service models some of them extend are in
:mod:`.service_bases`, imported only where such a model is built (they are slower to import)."""

from __future__ import annotations

from moto.core.common_models import CloudFormationModel

__all__ = ["CloudFormationModel"]

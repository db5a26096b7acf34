"""The local cloud: moto in this process, deployed to with the real CDK CLI, running real handlers."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import methodcaller
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from . import moto_adapter, services
from .alarms import AlarmChange, Alarms
from .api_auth import Identities, Refused, sign_request
from .apigw import ApiGateway, ApiResponse
from .cdk import cdk_command, run_cdk
from .client_cache import ClientCache
from .events import Dispatcher
from .iam import IamEnforcer
from .metrics import Sampler, record_api_response, record_invocation
from .runtime import HandlerRuntime, Invocation, InvokeResult
from .services.cloudwatch import publisher
from .services.codedeploy import CodeDeploy, LambdaDeployment
from .services.durable import DurableExecution, LocalDurable
from .services.scheduler import FiredSchedule, ScheduleClock, find_schedule, fire_schedule
from .services.websocket import WebSocketGateway
from .state import NOT_EMULATED, ResourceNote, State

__all__ = ["Deployment", "LocalCloud", "LocalCloudError"]

BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_TEMPLATE = Path("lib", "api", "bootstrap", "bootstrap-template.yaml")
"""Where the CDK CLI's package keeps the template ``cdk bootstrap`` deploys (beside ``bin/cdk``)."""
BOOTSTRAP_PARAMETERS = {
    "TrustedAccounts": "",
    "TrustedAccountsForLookup": "",
    "CloudFormationExecutionPolicies": "",
    "FileAssetsBucketKmsKeyId": "AWS_MANAGED_KEY",
    "Qualifier": "hnb659fds",
    "PublicAccessBlockConfiguration": "true",
}
"""The parameters ``cdk bootstrap aws://ACCOUNT/REGION`` gives the template (the others keep their
defaults): the lists given empty, as the CLI gives them."""

T = TypeVar("T")
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
_DUMMY = "testing"


class LocalCloudError(RuntimeError):
    """The local cloud could not do what was asked (start, deploy, find a resource, wait)."""


@dataclass
class Deployment:
    """What one :meth:`LocalCloud.deploy` did."""

    stacks: list[str]
    """The stacks deployed, in order."""
    outputs: dict[str, dict[str, str]]
    """``CfnOutput`` values per stack."""
    seconds: float
    """Wall time of bootstrap (when it ran), synth and deploy."""
    notes: list[ResourceNote] = field(default_factory=list)
    """Resources of these stacks deployed without (all of) their behaviour."""
    deployments: list[LambdaDeployment] = field(default_factory=list)
    """The CodeDeploy deployments this deploy started (an alias moved to a new version under a
    deployment group), each ended: ``function``, ``status`` and ``reason``."""

    @property
    def not_emulated(self) -> list[ResourceNote]:
        """The notes whose behaviour is missing locally."""
        return [n for n in self.notes if n.status == NOT_EMULATED]

    def summary(self) -> list[str]:
        """One line per (status, type, reason), with how many resources it covers."""
        counts: dict[tuple[str, str, str], int] = {}
        for note in self.notes:
            key = (note.status, note.resource_type, note.reason)
            counts[key] = counts.get(key, 0) + 1
        return [f"{status}: {n} x {kind}: {reason}" for (status, kind, reason), n in sorted(counts.items())]


class LocalCloud:
    """An embedded AWS on moto, on 127.0.0.1, where deployed Python and Node.js handlers really run,
    each function in worker processes of its own (see :mod:`.workers`).

    ``with LocalCloud() as cloud: cloud.deploy("path/to/app")`` starts it, deploys every stack of
    the app with the CDK CLI, and stops it at the end, leaving no thread, port or process behind.

    :param account_id: Default: 123456789012
    :param region: Default: us-east-1
    :param retry_delay: seconds before a failed SQS message is visible again, and between async
        and stream retries (Lambda's are minutes). Default: 1
    :param deploy_timeout: seconds one CDK CLI command may take. Default: 300
    :param enforce_iam: check every AWS call a handler makes against its role's identity policies
        (see :mod:`.iam` for what is evaluated). Default: True
    :param run_schedules: fire each deployed EventBridge Scheduler schedule when its expression
        says (``rate``, ``cron`` in the schedule's time zone, ``at``), until the cloud stops; without
        it a schedule fires only when asked (:meth:`fire`). Default: False
    :param schedule_speed: seconds of schedule time per real second for ``run_schedules`` (60 fires
        a ``rate(1 minute)`` schedule every second). Default: 1
    :param durable_speed: seconds of a durable execution's time per real second: its waits, step
        retry delays and callback timeouts run this many times faster. Default: - None: skipped,
        the next replay starts at once (see :mod:`.services.durable`)
    :param clock: seconds of CloudWatch and CodeDeploy time per real second: alarm periods and
        deployment bakes run this many times faster (60: a 60 s alarm period lasts 1 s, a canary
        of 10% for 5 minutes bakes 5 s, so a redeploy in the prod stage takes seconds, not minutes;
        1 runs them in real time). Default: 60
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        retry_delay: float = 1.0,
        deploy_timeout: float = 300.0,
        enforce_iam: bool = True,
        run_schedules: bool = False,
        schedule_speed: float = 1.0,
        durable_speed: float | None = None,
        clock: float = 60.0,
    ) -> None:
        if clock <= 0:
            raise LocalCloudError(f"clock must be positive, got {clock}")
        self.clock = clock
        if schedule_speed <= 0:
            raise LocalCloudError(f"schedule_speed must be positive, got {schedule_speed}")
        if durable_speed is not None and durable_speed <= 0:
            raise LocalCloudError(f"durable_speed must be positive, got {durable_speed}")
        self.durable_speed = durable_speed
        self._durable: LocalDurable | None = None
        self.account_id = account_id
        self.region = region
        self.retry_delay = retry_delay
        self.deploy_timeout = deploy_timeout
        self.enforce_iam = enforce_iam
        self.run_schedules = run_schedules
        self.schedule_speed = schedule_speed
        self._services: services.Installed | None = None
        self._clock: ScheduleClock | None = None
        self._iam: IamEnforcer | None = None
        self.invocations: list[Invocation] = []
        """Every handler run so far, oldest first."""
        self._server: Any = None
        self._gateway: ApiGateway | None = None
        self._websockets: WebSocketGateway | None = None
        self._dispatcher: Dispatcher | None = None
        self._runtime: HandlerRuntime | None = None
        self._roles: dict[str, tuple[str, str, str] | None] = {}
        self._state: State | None = None
        self._workdir: Path | None = None
        self._bootstrapped = False
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Invocation], None]] = []
        self._alarms: Alarms | None = None
        self._clients = ClientCache()
        self.started_in: float = 0.0
        """Seconds :meth:`start` took."""

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        """Start moto and the API endpoint on 127.0.0.1 (ephemeral ports)."""
        if self._server is not None:
            return self
        if moto_adapter.patched():
            raise LocalCloudError(
                "another LocalCloud runs in this process: stop it first (moto is process-wide)"
            )
        begin = time.monotonic()
        moto_adapter.reset()
        self._workdir = Path(tempfile.mkdtemp(prefix="local-cloud-"))
        server, port = moto_adapter.start_server()
        self._server = server
        if self.enforce_iam:
            self._iam = moto_adapter.enforce(server, IamEnforcer, self.account_id)
        state = State(
            self.account_id,
            self.region,
            f"http://localhost:{port}",
            run_schedules=self.run_schedules,
            clock=self.clock,
        )
        alarms = self._alarms = Alarms(
            state.metrics,
            account_id=self.account_id,
            region=self.region,
            publish=publisher(state),
            clock=self.clock,
        )
        state.alarms = alarms
        alarms.samplers.append(Sampler(state.metrics, self.account_id, self.region).sample)
        runtime = HandlerRuntime(
            self._workdir / "functions",
            self._handler_env(state.endpoint_url),
            self._record,
            credentials=self._role_credentials,
            account_id=self.account_id,
            region=self.region,
            local_variables=self._local_variables,
        )
        self._runtime = runtime
        dispatcher = self._dispatcher = Dispatcher(state, runtime, retry_delay=self.retry_delay)
        try:
            self._services = services.install(
                services.Running(state, port, dispatcher, self._role_credentials)
            )
        except Exception:
            self._teardown()
            raise
        if self._iam is not None and isinstance(state.codedeploy, CodeDeploy):
            self._iam.deployment_group = state.codedeploy.group_arn
        self._durable = next(s for s, _ in self._services.services if s.name == "lambda").durable  # type: ignore[attr-defined]
        self._durable.speed = self.durable_speed
        moto_adapter.mount(server, self._durable.api)
        self._state = state
        self._gateway = ApiGateway(
            state, dispatcher, self._role_credentials, Identities(self.account_id, _DUMMY, _DUMMY)
        )
        self._gateway.observe = lambda **answer: record_api_response(state.metrics, **answer)
        self._gateway.start()
        alarms.start()
        self._websockets = WebSocketGateway(state, dispatcher, self._role_of)
        self._websockets.start()
        if self.run_schedules:
            self._clock = ScheduleClock(state, self._fire_schedule, speed=self.schedule_speed).start()
        self.started_in = time.monotonic() - begin
        return self

    def stop(self) -> None:
        """Stop everything this cloud started and forget its resources."""
        self._teardown()

    _PARTS: tuple[tuple[str, Callable[[Any], object]], ...] = (
        ("_clock", methodcaller("stop")),
        ("_runtime", methodcaller("close")),  # before the pollers: a hung handler must not hold one
        ("_durable", methodcaller("close")),
        ("_dispatcher", methodcaller("stop")),
        ("_gateway", methodcaller("stop")),
        ("_websockets", methodcaller("stop")),
        ("_server", moto_adapter.stop_server),
        ("_services", methodcaller("uninstall")),
    )
    """What :meth:`stop` ends after the alarms and CodeDeploy, in this order, and how it ends each."""

    def _teardown(self) -> None:
        self._end("_alarms", methodcaller("stop"))
        if self._state is not None and isinstance(self._state.codedeploy, CodeDeploy):
            self._state.codedeploy.close()
        for attribute, end in self._PARTS:
            self._end(attribute, end)
        self._state = None
        self._clients.clear()
        self._roles.clear()
        self._iam = None
        self._bootstrapped = False
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        with contextlib.suppress(Exception):
            moto_adapter.reset()

    def _end(self, attribute: str, end: Callable[[Any], object]) -> None:
        """End the part this cloud holds in ``attribute``, if any, with ``end``, and forget it."""
        part = getattr(self, attribute)
        if part is not None:
            end(part)
            setattr(self, attribute, None)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what it offers ---------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """The AWS endpoint, ``http://localhost:PORT`` (served on 127.0.0.1 only)."""
        return self._require_state().endpoint_url

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    @property
    def api_url(self) -> str:
        """Base URL of the API endpoint: ``{api_url}/{api_id}/{stage}/{path}``."""
        if self._gateway is None:
            raise LocalCloudError("the local cloud is not running")
        return self._gateway.url

    def websocket_url(
        self, stack: str | None = None, *, api_id: str | None = None, stage: str | None = None
    ) -> str:
        """Where a client connects to a deployed WebSocket API: ``ws://127.0.0.1:PORT/{api_id}/{stage}``
        (see :mod:`.services.websocket`).

        :param stack: find the API in this stack (the only WebSocket API there). Default: - ``api_id``
        :param stage: Default: - the API's first stage
        """
        if self._websockets is None:
            raise LocalCloudError("the local cloud is not running")
        if api_id is None:
            if stack is None:
                raise LocalCloudError("websocket_url needs stack= or api_id=")
            v2 = moto_adapter.backend("apigatewayv2", self.account_id, self.region).apis
            found = [
                physical
                for physical in self.resources(stack, "AWS::ApiGatewayV2::Api").values()
                if physical in v2 and str(v2[physical].protocol_type) == "WEBSOCKET"
            ]
            if len(found) != 1:
                raise LocalCloudError(f"stack {stack} has {len(found)} WebSocket APIs: pass api_id=")
            api_id = found[0]
        return f"{self._websockets.url}/{api_id}/{stage or self._default_stage(api_id)}"

    @property
    def access_denied(self) -> list[str]:
        """Every handler call refused by IAM so far (the message the handler got)."""
        if self._iam is None:
            return []
        return [*self._iam.denials, *(self._websockets.denials if self._websockets is not None else [])]

    @property
    def notes(self) -> list[ResourceNote]:
        """Every resource deployed so far without (all of) its behaviour."""
        return list(self._require_state().notes)

    def env(self) -> dict[str, str]:
        """Variables that point an AWS SDK or CLI at this cloud."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": _DUMMY,
            "AWS_SECRET_ACCESS_KEY": _DUMMY,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    def client(self, service: str) -> Any:
        """A boto3 client bound to this cloud (one per service, shared: boto3 clients are thread-safe)."""
        endpoint = self.endpoint_url
        return self._clients.get(
            service,
            lambda: moto_adapter.local_client(
                service,
                endpoint,
                self.region,
                (_DUMMY, _DUMMY, None),
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2},
                read_timeout=60,
            ),
        )

    def on_invocation(self, listener: Callable[[Invocation], None]) -> None:
        """Call ``listener`` with every handler run from now on."""
        self._listeners.append(listener)

    def on_alarm(self, listener: Callable[[AlarmChange], None]) -> None:
        """Call ``listener`` with every change of a deployed alarm's state from now on."""
        if self._alarms is None:
            raise LocalCloudError("the local cloud is not running")
        self._alarms.listeners.append(listener)

    def on_deployment(self, listener: Callable[[LambdaDeployment, str], None]) -> None:
        """Call ``listener`` with a CodeDeploy deployment and each thing that happens to it (hooks,
        traffic shifts, the outcome) from now on."""
        self._codedeploy().listeners.append(listener)

    @property
    def alarms(self) -> Alarms:
        """The deployed alarms (see :mod:`.alarms`): their state, reason and history."""
        if self._alarms is None:
            raise LocalCloudError("the local cloud is not running")
        return self._alarms

    @property
    def deployments(self) -> list[LambdaDeployment]:
        """Every CodeDeploy deployment so far, oldest first."""
        return list(self._codedeploy().deployments)

    def _codedeploy(self) -> CodeDeploy:
        found = self._require_state().codedeploy
        if not isinstance(found, CodeDeploy):
            raise LocalCloudError("the local cloud is not running")
        return found

    # -- deploy -----------------------------------------------------------------------------------

    def deploy(
        self,
        app: str | os.PathLike[str],
        stacks: Sequence[str] | None = None,
        *,
        bootstrap: bool = True,
        concurrency: int = 1,
        wait: float | None = None,
        cli: bool = True,
    ) -> Deployment:
        """Deploy a CDK app with the CDK CLI (bootstrapped once, then ``cdk deploy --method=direct``),
        and wait for the CodeDeploy deployments it started to end (see :mod:`.services.codedeploy`).

        :param app: a directory with ``cdk.json`` (synthesized by the CLI), or a cloud assembly
            directory (``cdk.out``, with ``manifest.json``).
        :param stacks: stack names. Default: - every stack of the app
        :param bootstrap: bootstrap first (once per cloud): the stack ``cdk bootstrap`` creates, from
            the pinned CLI's own template, created in this process. Default: True
        :param concurrency: stacks deployed at once (``cdk deploy --concurrency``). Default: 1
        :param wait: seconds to wait for the CodeDeploy deployments the deploy started to end;
            those still running go on, listed as ``InProgress``. Default: - until they end (at most
            ``deploy_timeout``)
        :param cli: deploy with the CDK CLI. False updates the given stacks of a cloud assembly
            in this process instead, as ``cdk deploy --method=direct`` does (the file assets
            published to the bootstrap bucket, then ``UpdateStack``), without the CLI's start-up:
            ``serverless-patterns dev`` does so. The CLI still deploys what that cannot: a new
            stack, a template above 51,200 bytes, a stack with parameters or image assets.
            Default: True
        """
        state = self._require_state()
        assert self._workdir is not None
        path = Path(app).resolve()
        begin = time.monotonic()
        env = self._cdk_env()
        cli_command = cdk_command(path)
        if (path / "manifest.json").is_file():
            app_args, cwd = ["--app", str(path)], self._workdir
        elif (path / "cdk.json").is_file():
            app_args, cwd = ["--output", str(self._workdir / f"cdk.out-{int(begin * 1000)}")], path
        else:
            raise LocalCloudError(
                f"{path} has neither cdk.json (an app) nor manifest.json (a cloud assembly)"
            )
        common = ["--no-notices", "--no-color", "--ci"]
        if bootstrap and not self._bootstrapped:
            if not self._bootstrap_in_process(cli_command):
                run_cdk(
                    ["bootstrap", f"aws://{self.account_id}/{self.region}", *common],
                    cwd=self._workdir,
                    env=env,
                    timeout=self.deploy_timeout,
                    cli=cli_command,
                )
            self._bootstrapped = True
        before = len(state.notes)
        started = len(self._codedeploy().deployments)
        targets = list(stacks) if stacks else ["--all"]
        direct = not cli and bool(stacks) and self._bootstrapped and app_args[0] == "--app"
        if not (direct and self._update_in_process(path, list(stacks or []))):
            self._deploy_with_cli(targets, app_args, common, cwd, env, cli_command, concurrency)
        deployments = self._codedeploy().wait(started, self.deploy_timeout if wait is None else wait)
        deployed = self._stack_names(stacks)
        notes = [n for n in state.notes[before:] if n.stack in deployed or not n.stack]
        return Deployment(
            stacks=deployed,
            outputs={name: self.outputs(name) for name in deployed},
            seconds=time.monotonic() - begin,
            notes=notes,
            deployments=deployments,
        )

    def _bootstrap_in_process(self, cli: Sequence[str]) -> bool:
        """Creates the bootstrap stack ``cdk bootstrap`` would (``CDKToolkit``, from the CLI's own
        template, with the parameters it gives), in this process, without the CLI's start-up (about
        1.6 CPU s): the same stack, bucket, roles and version parameter, which the CLI's deploys
        then find. False, with nothing done, when ``cli``'s package keeps no such template (another
        layout: ``cdk bootstrap`` runs instead); True as well when the stack is there already."""
        template = Path(cli[-1]).resolve().parents[1] / BOOTSTRAP_TEMPLATE
        if not template.is_file():
            return False
        cfn = self.client("cloudformation")
        if any(s["StackName"] == BOOTSTRAP_STACK for s in cfn.describe_stacks()["Stacks"]):
            return True
        cfn.create_stack(
            StackName=BOOTSTRAP_STACK,
            TemplateBody=template.read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in BOOTSTRAP_PARAMETERS.items()],
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
        _require_status(cfn, BOOTSTRAP_STACK, "CREATE_COMPLETE", f"bootstrapping ({template.name})")
        return True

    def _deploy_with_cli(
        self,
        targets: list[str],
        app_args: list[str],
        common: list[str],
        cwd: Path,
        env: dict[str, str],
        cli: list[str],
        concurrency: int,
    ) -> None:
        run_cdk(
            [
                "deploy",
                *targets,
                *app_args,
                *common,
                "--require-approval",
                "never",
                "--method=direct",
                "--concurrency",
                str(concurrency),
                "--progress",
                "events",
            ],
            cwd=cwd,
            env=env,
            timeout=self.deploy_timeout,
            cli=cli,
        )

    def _update_in_process(self, assembly: Path, stacks: list[str]) -> bool:
        """Updates ``stacks`` of a cloud assembly as ``cdk deploy --method=direct`` would: each
        stack's file assets zipped (a directory) or copied into the bootstrap bucket unless there
        already, then ``UpdateStack`` with the template; moto's update is synchronous, so the
        stack's status tells at once. False, with nothing done, when a stack is not one this can
        update (see :meth:`deploy`); raises :class:`LocalCloudError` when an update failed."""
        manifest = json.loads((assembly / "manifest.json").read_text())
        artifacts: dict[str, Any] = manifest.get("artifacts", {})
        cfn = self.client("cloudformation")
        deployed = {s["StackName"]: s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]}
        plan: list[tuple[str, dict[str, str], list[tuple[Path, str, str]], dict[str, str]]] = []
        for artifact_id, artifact in artifacts.items():
            props = artifact.get("properties") or {}
            name = props.get("stackName") or artifact_id
            if artifact.get("type") != "aws:cloudformation:stack" or name not in stacks:
                continue
            template = assembly / props["templateFile"]
            if (
                not deployed.get(name, "").endswith("_COMPLETE")
                or deployed[name].startswith(("DELETE", "ROLLBACK"))
                or props.get("parameters")
            ):
                return False
            files = self._file_assets(assembly, artifacts, artifact.get("dependencies") or [])
            if files is None:
                return False
            where = {"TemplateBody": template.read_text()}
            if template.stat().st_size > 51_200:  # as the CLI does: from the bootstrap bucket
                url = str(props.get("stackTemplateAssetObjectUrl") or "")
                bucket, _, key = self._placed(url.removeprefix("s3://")).partition("/")
                if not url.startswith("s3://") or (template, bucket, key) not in files:
                    return False
                where = {"TemplateURL": f"https://s3.{self.region}.amazonaws.com/{bucket}/{key}"}
            plan.append((name, where, files, dict(props.get("tags") or {})))
        if sorted(p[0] for p in plan) != sorted(stacks):
            return False
        from botocore.exceptions import ClientError

        s3 = self.client("s3")
        for name, where, files, tags in plan:
            for source, bucket, key in files:
                try:
                    s3.head_object(Bucket=bucket, Key=key)
                except ClientError:
                    s3.put_object(Bucket=bucket, Key=key, Body=_packaged(source))
            try:
                cfn.update_stack(
                    StackName=name,
                    **where,
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                )
            except Exception as exc:
                if "No updates are to be performed" in str(exc):
                    continue
                raise LocalCloudError(f"updating stack {name} failed: {exc}") from exc
            _require_status(cfn, name, "UPDATE_COMPLETE", f"stack {name}")
        return True

    def _placed(self, text: str) -> str:
        """``text`` with the account, region and partition placeholders of an asset manifest filled in."""
        return (
            text.replace("${AWS::AccountId}", self.account_id)
            .replace("${AWS::Region}", self.region)
            .replace("${AWS::Partition}", "aws")
        )

    def _file_assets(
        self, assembly: Path, artifacts: Mapping[str, Any], dependencies: Sequence[str]
    ) -> list[tuple[Path, str, str]] | None:
        """(source, bucket, key) of every file asset of the asset manifests among ``dependencies``;
        None when one holds an image asset or a source that is not a path."""
        found: list[tuple[Path, str, str]] = []
        for dependency in dependencies:
            artifact = artifacts.get(dependency) or {}
            if artifact.get("type") != "cdk:asset-manifest":
                continue
            assets = json.loads((assembly / artifact["properties"]["file"]).read_text())
            if assets.get("dockerImages"):
                return None
            for asset in (assets.get("files") or {}).values():
                source = asset.get("source") or {}
                if not source.get("path") or source.get("executable"):
                    return None
                for destination in (asset.get("destinations") or {}).values():
                    bucket, key = (self._placed(str(destination[k])) for k in ("bucketName", "objectKey"))
                    found.append((assembly / source["path"], bucket, key))
        return found

    def synth(
        self,
        app: str | os.PathLike[str],
        outdir: str | os.PathLike[str],
        *,
        context: Mapping[str, str] | None = None,
    ) -> Path:
        """Synthesize a CDK app (a directory with ``cdk.json``) with the CDK CLI into ``outdir``, as
        :meth:`deploy` would, without deploying it; return the cloud assembly directory.

        :param context: context values (``cdk synth --context key=value``), e.g. the stage.
        """
        path = Path(app).resolve()
        out = Path(outdir).resolve()
        given = [f"--context={key}={value}" for key, value in (context or {}).items()]
        run_cdk(
            ["synth", "--quiet", "--output", str(out), "--no-notices", "--no-color", "--ci", *given],
            cwd=path,
            env=self._cdk_env(),
            timeout=self.deploy_timeout,
            cli=cdk_command(path),
        )
        return out

    def run_from_source(self, function_name: str, source: str | os.PathLike[str]) -> None:
        """Run a Python function's modules from ``source`` (the user's directory its code was built
        from) ahead of its deployed code, from its next invocation on (in new workers)."""
        runtime = self._require_runtime()
        runtime.sources[function_name] = str(Path(source).resolve())

    def reload(self, source: str | os.PathLike[str]) -> int:
        """Re-import, in their warm workers, the modules of the functions that run from ``source``
        (see :meth:`run_from_source`): a handler edit takes effect on the next invocation, without a
        redeploy nor a cold start. Returns how many workers reloaded."""
        return self._require_runtime().reload(os.fspath(source))

    def _require_runtime(self) -> HandlerRuntime:
        if self._runtime is None:
            raise LocalCloudError("the local cloud is not running")
        return self._runtime

    def _cdk_env(self) -> dict[str, str]:
        """The CDK CLI's environment: the host's minus its AWS variables, pointed at this cloud."""
        env = {k: v for k, v in _environ_base().items() if not k.startswith("AWS_")}
        env.update(self.env())
        # S3 through the loopback address: the SDK then uses path-style URLs, since bucket
        # subdomains of localhost do not resolve everywhere.
        env["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{self.port}"
        env.update(
            {
                "CDK_DISABLE_VERSION_CHECK": "1",
                "CDK_DISABLE_CLI_TELEMETRY": "1",
                "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
            }
        )
        # `python` in an app's cdk.json is this interpreter (its virtualenv) first.
        env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
        env.setdefault("CDK_DEFAULT_ACCOUNT", self.account_id)
        env.setdefault("CDK_DEFAULT_REGION", self.region)
        return env

    def _stack_names(self, wanted: Sequence[str] | None) -> list[str]:
        found = [s["StackName"] for s in self.client("cloudformation").describe_stacks()["Stacks"]]
        found = [s for s in found if s != "CDKToolkit"]
        return [s for s in found if not wanted or s in wanted]

    def outputs(self, stack: str) -> dict[str, str]:
        """The ``CfnOutput`` values of a deployed stack."""
        described = self.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    def resources(self, stack: str, resource_type: str | None = None) -> dict[str, str]:
        """Logical id -> physical id of a stack's resources, optionally of one type (``""`` for a
        resource moto reports without one, such as an EventBridge bus)."""
        found = self.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        return {
            r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
            for r in found
            if resource_type in (None, r.get("ResourceType"))
        }

    # -- helpers ----------------------------------------------------------------------------------

    def fire(self, schedule: str) -> FiredSchedule:
        """Fire a deployed EventBridge Scheduler schedule once, as Scheduler does at its time: its
        target is invoked with the schedule's input (context attributes filled in), through the
        same asynchronous path (Lambda's retries, the on-failure destination); an invocation the
        schedule's role may not make, or of a target that is gone, goes to the schedule's
        dead-letter queue (see :mod:`.scheduler`).

        :param schedule: the schedule's name, logical id or construct path (``Stack/Nightly/Schedule``).
        """
        self._require_state()
        self._require_dispatcher()
        try:
            group, name = find_schedule(schedule, self.client)
            return self._fire_schedule(group, name)
        except LookupError as error:
            raise LocalCloudError(str(error)) from None

    def _fire_schedule(self, group: str, name: str, when: datetime | None = None) -> FiredSchedule:
        """Fire one schedule, at ``when`` (the clock's time) or now (:meth:`fire`)."""
        dispatcher = self._require_dispatcher()
        return fire_schedule(
            group,
            name,
            state=self._require_state(),
            invoke_async=dispatcher.invoke_async,
            resolve=dispatcher.resolve,
            client=self.client,
            now=when,
        )

    def invoke(self, function: str, event: Any, *, detail: str = "") -> InvokeResult:
        """Invoke a deployed function synchronously, as ``Invoke`` does, and wait for its answer.

        :param function: its name, ARN, or ``name:qualifier``.
        :param detail: what the invocation record says of the event. Default: - nothing
        """
        return self._require_dispatcher().invoke(function, event, source="invoke", detail=detail)

    def durable_executions(self, function: str) -> list[DurableExecution]:
        """The durable executions of a deployed durable function, oldest first, each with its
        status, result or error, and operations (steps, waits, callbacks).

        :param function: its name, ARN, or ``name:qualifier``.
        """
        fn, _ = self._require_dispatcher().resolve(function)
        return [] if self._durable is None else self._durable.executions(str(fn.function_name))

    def invoke_api(
        self,
        method: str,
        path: str,
        *,
        stack: str | None = None,
        api_id: str | None = None,
        stage: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        sign: bool | None = None,
        credentials: tuple[str, str] | tuple[str, str, str | None] | None = None,
    ) -> ApiResponse:
        """Send an HTTP request to a deployed API through the local endpoint.

        :param stack: find the API in this stack (the only REST or HTTP API there). Default: - ``api_id``
        :param body: bytes or str as is, anything else as JSON.
        :param sign: sign the request with SigV4 (service ``execute-api``), as an SDK or ``awscurl``
            would. Default: - signed when the method or route it reaches is IAM-authorized (and no
            ``Authorization`` header is given), unsigned otherwise
        :param credentials: (access key, secret key[, session token]) to sign with: an IAM user's
            or a role's of the local IAM. Default: - this cloud's own credentials (:meth:`env`),
            which stand for the account's root user and are allowed every route
        """
        if api_id is None:
            if stack is None:
                raise LocalCloudError("invoke_api needs stack= or api_id=")
            apis = {
                **self.resources(stack, "AWS::ApiGateway::RestApi"),
                **self.resources(stack, "AWS::ApiGatewayV2::Api"),
            }
            if len(apis) != 1:
                raise LocalCloudError(
                    f"stack {stack} has {len(apis)} APIs ({', '.join(apis) or 'none'}): pass api_id="
                )
            api_id = next(iter(apis.values()))
        if stage is None:
            stage = self._default_stage(api_id)
        data: bytes | None
        send_headers = dict(headers or {})
        if body is None or isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
            send_headers.setdefault("Content-Type", "application/json")
        url = f"{self.api_url}/{api_id}/{stage}/{path.lstrip('/')}"
        if query:
            url += "?" + urlencode(query)
        if sign is None:
            given = any(k.lower() == "authorization" for k in send_headers)
            gateway = self._gateway
            needs = gateway is not None and gateway.authorization(
                api_id, stage, method.upper(), "/" + path.split("?")[0].lstrip("/")
            )
            sign = not given and needs == "AWS_IAM"
        if sign:
            key, secret, *token = credentials or (_DUMMY, _DUMMY)
            send_headers = sign_request(
                method.upper(),
                url,
                send_headers,
                data,
                (key, secret, token[0] if token else None),
                self.region,
            )
        request = urllib.request.Request(url, data=data, method=method.upper(), headers=send_headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return ApiResponse(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as failed:
            return ApiResponse(failed.code, dict(failed.headers.items()), failed.read())

    def on_api_refusal(self, listener: Callable[[Refused], None]) -> None:
        """Call ``listener`` with every API request refused before its integration from now on
        (throttled, unsigned, not allowed, no valid token: see :mod:`.api_auth`)."""
        if self._gateway is None:
            raise LocalCloudError("the local cloud is not running")
        self._gateway.checks.listeners.append(listener)

    def _default_stage(self, api_id: str) -> str:
        v1 = moto_adapter.backend("apigateway", self.account_id, self.region).apis.get(api_id)
        stages = list(v1.stages) if v1 is not None else []
        if v1 is None:
            v2 = moto_adapter.backend("apigatewayv2", self.account_id, self.region).apis.get(api_id)
            if v2 is None:
                raise LocalCloudError(f"no API {api_id}")
            stages = list(v2.stages)
            if "$default" in stages:
                return "$default"
        if not stages:
            raise LocalCloudError(f"API {api_id} has no stage")
        return str(stages[0])

    def wait_for(
        self,
        predicate: Callable[[], T] | None = None,
        *,
        timeout: float = 10.0,
        interval: float = 0.05,
        queue_empty: str | None = None,
        idle: bool = False,
    ) -> T | bool:
        """Wait until ``predicate()`` is truthy (and return it), or ``queue_empty`` (a queue URL) has no
        message left, visible or in flight, or, with ``idle=True``, until no handler runs or waits.

        Raises :class:`LocalCloudError` after ``timeout`` seconds.
        """
        checks: list[Callable[[], Any]] = []
        if predicate is not None:
            checks.append(predicate)
        if queue_empty is not None:
            sqs = self.client("sqs")

            def empty() -> bool:
                attrs = sqs.get_queue_attributes(
                    QueueUrl=queue_empty,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                return bool(
                    attrs["ApproximateNumberOfMessages"] == "0"
                    and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
                )

            checks.append(empty)
        if idle or queue_empty is not None:
            checks.append(lambda: bool(self._dispatcher is not None and self._dispatcher.idle()))
        if not checks:
            raise LocalCloudError("wait_for needs a predicate, queue_empty= or idle=True")
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            values = [check() for check in checks]
            last = values[0]
            if all(values):
                return last if predicate is not None else True
            if time.monotonic() >= deadline:
                raise LocalCloudError(f"condition not met within {timeout} s (last value: {last!r})")
            time.sleep(interval)

    # -- internals --------------------------------------------------------------------------------

    def _require_dispatcher(self) -> Dispatcher:
        if self._dispatcher is None or self._state is None:
            raise LocalCloudError("the local cloud is not running")
        return self._dispatcher

    def _require_state(self) -> State:
        if self._state is None:
            raise LocalCloudError("the local cloud is not running: call start() or use `with LocalCloud()`")
        return self._state

    def _record(self, invocation: Invocation) -> None:
        with self._lock:
            self.invocations.append(invocation)
        if self._state is not None:
            record_invocation(self._state.metrics, invocation)
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):
                listener(invocation)

    def _role_credentials(self, role_arn: str) -> tuple[str, str, str] | None:
        """Temporary credentials of a function's role, issued by the local STS (once per role)."""
        with self._lock:
            if role_arn in self._roles:
                return self._roles[role_arn]
        issued: tuple[str, str, str] | None = None
        try:
            found = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="local-lambda")
            creds = found["Credentials"]
            issued = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        except Exception:
            issued = None  # a role ARN the local STS refuses: the fixed dummy credentials remain
        if issued is not None and self._iam is not None:
            self._iam.issued(issued[0], role_arn)
        with self._lock:
            return self._roles.setdefault(role_arn, issued)

    def _role_of(self, access_key: str) -> str | None:
        """The role whose issued credentials start with ``access_key``, when IAM is enforced."""
        if self._iam is None:
            return None
        with self._lock:
            return next(
                (role for role, issued in self._roles.items() if issued and issued[0] == access_key), None
            )

    def _local_variables(self, variables: Mapping[str, str]) -> dict[str, str]:
        """A function's variables as its handler gets them here: a WebSocket API's callback URL
        points at the local management API (see :mod:`.services.websocket`)."""
        if self._websockets is None:
            return dict(variables)
        return self._websockets.local_variables(variables)

    def _handler_env(self, endpoint: str) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": endpoint,
            # Path-style S3 URLs: bucket subdomains of localhost do not resolve everywhere.
            "AWS_ENDPOINT_URL_S3": endpoint.replace("localhost", "127.0.0.1"),
            "AWS_ACCESS_KEY_ID": _DUMMY,
            "AWS_SECRET_ACCESS_KEY": _DUMMY,
            "AWS_SESSION_TOKEN": _DUMMY,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }


def _require_status(cfn: Any, stack: str, expected: str, what: str) -> None:
    """Raises :class:`LocalCloudError` (``what``, the status and its reason) unless ``stack`` is in
    ``expected``: moto's create and update are synchronous, so the status tells at once."""
    found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    if found["StackStatus"] != expected:
        reason = found.get("StackStatusReason") or "no reason given"
        raise LocalCloudError(f"{what}: {found['StackStatus']}: {reason}")


def _packaged(source: Path) -> bytes:
    """A file asset's bytes as the CDK CLI uploads them: a directory zipped (its files sorted,
    fixed times), a file as it is."""
    if not source.is_dir():
        return source.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _environ_base() -> dict[str, str]:
    current = os.environ
    base = getattr(current, "base", current)
    return dict(base)

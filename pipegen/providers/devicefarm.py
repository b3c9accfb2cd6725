"""AWS Device Farm test actions: run an app from the input artifact on a device pool.

Device Farm's mobile testing lives in us-west-2 only, so the grants name us-west-2 resources:
the project, its device pool, the uploads and runs the action creates in that project.
"""

from __future__ import annotations

from pipegen import cfn
from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted, minutes

APP_TYPES = {"android": "Android", "ios": "iOS", "web": "Web"}
FLAGS = {  # spec key -> Configuration key, for booleans
    "record_video": "RecordVideo",
    "record_app_performance": "RecordAppPerformanceData",
    "unmetered_devices_only": "UnmeteredDevicesOnly",
}
RADIOS = {"wifi": "RadioWifiEnabled", "bluetooth": "RadioBluetoothEnabled",
          "nfc": "RadioNfcEnabled", "gps": "RadioGpsEnabled"}
FUZZ = {"event_count": "FuzzEventCount", "event_throttle": "FuzzEventThrottle",
        "randomizer_seed": "FuzzRandomizerSeed"}


def _project_arn(project, kind: str = "project:{project}"):
    return cfn.sub("arn:${AWS::Partition}:devicefarm:us-west-2:${AWS::AccountId}:" + kind,
                   project=project)


class DeviceFarmAction(ActionProvider):
    kinds = (("test", "devicefarm"),)
    schema = "actions/devicefarm.json"
    inputs = (1, 1)
    outputs = (0, 0)

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        test_type = action.get("test_type")
        if cfn.is_intrinsic(test_type):
            return  # resolved at deploy time: Device Farm checks the combination
        if test_type.startswith("appium") and "appium_version" not in action.settings:
            ctx.error("PG344", f"test_type {test_type} needs `appium_version`",
                      action.path + ("test_type",), "add `appium_version: \"2.0\"` (the Appium "
                      "version the tests are written for)")
        if "fuzz" in action.settings and test_type != "builtin-fuzz":
            ctx.error("PG344", "`fuzz` settings apply to `test_type: builtin-fuzz` only",
                      action.path + ("fuzz",), "remove `fuzz`", key=True)
        if test_type != "builtin-fuzz" and "test" not in action.settings:
            ctx.error("PG344", f"test_type {test_type} needs `test`, the test package in the "
                      "input artifact", action.path + ("test_type",), "add `test: PATH`")

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        project = s["project"]
        config = {
            "AppType": APP_TYPES[s["app_type"]],
            "ProjectId": project,
            "App": s["app"],
            "DevicePoolArn": s["device_pool"],
            "TestType": s["test_type"] if cfn.is_intrinsic(s["test_type"])
            else s["test_type"].upper().replace("-", "_"),
        }
        optional = {"test": "Test", "test_spec": "TestSpec", "appium_version": "AppiumVersion",
                    "custom_host_machine_artifacts": "CustomHostMachineArtifacts",
                    "custom_device_artifacts": "CustomDeviceArtifacts"}
        for key, name in optional.items():
            if key in s:
                config[name] = s[key]
        for key, name in FLAGS.items():
            if key in s:
                config[name] = "true" if s[key] else "false"
        for key, name in RADIOS.items():
            if key in s.get("radios", {}):
                config[name] = "true" if s["radios"][key] else "false"
        for key, name in FUZZ.items():
            if key in s.get("fuzz", {}):
                config[name] = str(s["fuzz"][key])
        if "job_timeout" in s:
            timeout = minutes(s["job_timeout"])
            config["JobTimeoutMinutes"] = timeout if cfn.is_intrinsic(timeout) else str(timeout)
        if "location" in s:
            config["Latitude"] = str(s["location"]["latitude"])
            config["Longitude"] = str(s["location"]["longitude"])

        project_arn = _project_arn(project)
        ctx.policy.allow(["devicefarm:CreateUpload", "devicefarm:ListDevicePools"], project_arn)
        ctx.policy.allow("devicefarm:GetUpload", _project_arn(project, "upload:{project}/*"))
        ctx.policy.allow("devicefarm:ScheduleRun", [project_arn, s["device_pool"],
                                                    _project_arn(project, "upload:{project}/*")])
        ctx.policy.allow("devicefarm:GetRun", _project_arn(project, "run:{project}/*"))
        # ListProjects names no resource: Device Farm's list actions take "*" only.
        ctx.policy.allow("devicefarm:ListProjects", "*")
        return [Emitted("Test", "AWS", "DeviceFarm", config)]


PROVIDERS = [DeviceFarmAction()]

#!/usr/bin/python3
"""Validate Heat templates offline with Heat's own engine (Debian's python3-heat).

    heat/validate.py TEMPLATE [-e ENV.yaml ...] [-P name=value ...]

Loads the template and environments as python-heatclient does (template_utils: get_file, nested templates and
the resource registry become `files`), builds the stack in Heat's engine with an in-memory database and runs
Stack.validate() with strict parameter validation: properties against each resource type's schema, intrinsic
functions (get_resource, get_attr, get_param...), unknown resource types, nested templates. Only what needs a
cloud is stubbed: custom constraints that look up images, flavors, networks, keypairs..., the image and flavor a
server's checks fetch (an active image, a 2-vCPU/4 GB/20 GB flavor), Nova's limits, and the service catalog (every
service and Neutron extension is taken as available). A look-up that is not stubbed fails at once (the identity
service is 127.0.0.1:9): nothing leaves this machine. Exit 0 when valid, 1 with Heat's message.
"""
import argparse
import logging
import os
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("template")
    ap.add_argument("-e", "--environment", action="append", default=[])
    ap.add_argument("-P", "--parameter", action="append", default=[], help="name=value")
    args = ap.parse_args(argv)

    from oslo_config import cfg
    from heatclient.common import template_utils
    from heat.common import context, exception
    from oslo_db import options as db_options
    from heat.db.sqlalchemy import api as db_api
    from heat.db.sqlalchemy import models
    from heat.engine import constraints, environment, resource, resources, stack, template
    from heat.engine.clients import client_plugin
    from heat.common import config as heat_config  # noqa: F401

    cfg.CONF([], project="heat", default_config_files=[])
    db_options.set_defaults(cfg.CONF, connection="sqlite://")  # in memory: nothing outlives the run
    models.BASE.metadata.create_all(db_api.get_engine())
    from heat.common import messaging
    messaging.setup("fake://")  # in-process transport for the engine's own RPC client (nested stacks)

    # stubs for what needs a cloud: look-ups behind custom constraints, the service catalog
    constraints.CustomConstraint._is_valid = lambda self, value, schema, ctx: True
    resource.Resource.is_service_available = classmethod(lambda cls, ctx: (True, None))
    client_plugin.ClientPlugin.does_endpoint_exist = lambda self, *a, **k: True
    from types import SimpleNamespace
    from heat.engine.clients.os import glance, nova
    glance.GlanceClientPlugin.get_image = lambda self, ref: SimpleNamespace(
        id=ref, name=ref, status="active", min_ram=0, min_disk=0)
    nova.NovaClientPlugin.get_flavor = lambda self, ref: SimpleNamespace(
        id=ref, name=ref, ram=4096, disk=20, vcpus=2)
    nova.NovaClientPlugin.is_version_supported = lambda self, version: False
    nova.NovaClientPlugin.absolute_limits = lambda self: {
        "maxServerMeta": 128, "maxPersonality": 5, "maxPersonalitySize": 10240}
    resources.initialise()

    from heatclient import exc as client_exc
    try:
        tpl_files, tpl = template_utils.get_template_contents(template_file=args.template)
        env_files, env = template_utils.process_multiple_environments_and_files(env_paths=args.environment)
    except (client_exc.CommandError, client_exc.HTTPException, ValueError, OSError) as e:
        print("INVALID %s: %s" % (args.template, str(e).replace("\n", " ")))
        return 1
    files = dict(tpl_files)
    files.update(env_files)
    params = dict(p.split("=", 1) for p in args.parameter)
    env.setdefault("parameters", {}).update(params)

    ctx = context.RequestContext.from_dict({
        "tenant_id": "validate", "tenant": "validate", "username": "validate", "user_id": "validate",
        "roles": ["admin", "member"], "is_admin": False, "auth_token": "offline",
        "auth_url": "http://127.0.0.1:9/v3"})
    try:
        tmpl = template.Template(tpl, files=files, env=environment.Environment(env))
        stk = stack.Stack(ctx, "validate", tmpl, strict_validate=True)
        stk.validate()
    except exception.StackValidationFailed as e:
        if os.environ.get("HEAT_VALIDATE_DEBUG"):
            import traceback
            traceback.print_exc()
        print("INVALID %s: %s" % (args.template, e))
        return 1
    except Exception as e:  # Heat raises many types for bad templates (InvalidTemplateReference, ...)
        print("INVALID %s: %s: %s" % (args.template, type(e).__name__, e))
        return 1
    print("valid %s (%d resources)" % (args.template, len(tpl.get("resources", {}))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

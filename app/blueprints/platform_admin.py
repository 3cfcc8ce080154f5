"""Platform-wide routes beyond pipelines: all pipelines' metrics, tenants, members, OIDC trusts.

pipeline-store serves one tenant (`default`), with no members or trust relationships of its
own: the lists answer what exists (the one tenant, no members, no trusts), lookups of anything
else are 404, and changes are `501 SingleTenant`. Tenant routes need the `owner` role, which no
caller has, so they answer `403 InsufficientPermissions` first, as upstream without owners.
"""

from flask import Response
from flask.views import MethodView

from app import errors
from app.auth import DEFAULT_TENANT_ID
from app.auth import DEFAULT_TENANT_NAME
from app.dataplane_service import metrics
from app.http.api import Blueprint
from app.http.api import json_response
from app.http.context import domain

blp = Blueprint(
    "platform_admin",
    __name__,
    url_prefix="/v0",
    description="Metrics of all pipelines; tenants, members and OIDC trusts (single tenant).",
)
LIST = {"type": "array", "items": {"type": "object"}}
TENANT = {"id": DEFAULT_TENANT_ID, "name": DEFAULT_TENANT_NAME}


@blp.route("/metrics", methods=["GET"])
@blp.doc(operationId="get_metrics")
@blp.response(200, {"type": "string"}, description="Prometheus text of running pipelines.")
def all_metrics():
    """List all metrics

    The Prometheus text of every Running or Paused pipeline, each followed by a newline;
    empty when none runs.
    """
    return Response(metrics.all_metrics(domain()), 200, content_type="text/plain")


@blp.route("/tenants")
class Tenants(MethodView):
    """The installation's tenants."""

    @blp.doc(operationId="list_tenants")
    @blp.response(200, LIST)
    @blp.errors(errors.InsufficientPermissions)
    def get(self):
        """List tenants (role `owner`)"""
        return json_response(f'[{{"id": "{TENANT["id"]}", "name": "{TENANT["name"]}"}}]')

    @blp.doc(operationId="create_tenant")
    @blp.response(201, {"type": "object"})
    @blp.errors(errors.InsufficientPermissions, errors.SingleTenant)
    def post(self):
        """Create a tenant (role `owner`)"""
        raise errors.SingleTenant(what="tenants")


@blp.route("/tenants/<string:tenant_id>")
class Tenant(MethodView):
    """One tenant."""

    @blp.doc(operationId="get_tenant")
    @blp.response(200, {"type": "object"})
    @blp.errors(errors.InsufficientPermissions, errors.UnknownTenant)
    def get(self, tenant_id):
        """Get a tenant (role `owner`)"""
        if tenant_id not in TENANT.values():
            raise errors.UnknownTenant(tenant=tenant_id)
        return json_response(f'{{"id": "{TENANT["id"]}", "name": "{TENANT["name"]}"}}')

    @blp.doc(operationId="rename_tenant")
    @blp.response(200, {"type": "object"})
    @blp.errors(errors.InsufficientPermissions, errors.SingleTenant)
    def patch(self, tenant_id):
        """Rename a tenant (role `owner`)"""
        raise errors.SingleTenant(what="tenants")

    @blp.doc(operationId="delete_tenant")
    @blp.response(200)
    @blp.errors(errors.InsufficientPermissions, errors.SingleTenant)
    def delete(self, tenant_id):
        """Delete a tenant (role `owner`)"""
        raise errors.SingleTenant(what="tenants")


@blp.route("/tenant/users")
class Members(MethodView):
    """Members of the caller's tenant."""

    @blp.doc(operationId="list_tenant_members")
    @blp.response(200, LIST)
    @blp.errors(errors.InsufficientPermissions)
    def get(self):
        """List tenant members (role `admin`): none are kept"""
        return json_response("[]")

    @blp.doc(operationId="provision_tenant_member")
    @blp.response(200, {"type": "object"})
    @blp.errors(errors.InsufficientPermissions, errors.SingleTenant)
    def post(self):
        """Provision a tenant member (role `admin`)"""
        raise errors.SingleTenant(what="tenant members")


@blp.route("/tenant/users/<string:user_id>")
class Member(MethodView):
    """One member of the caller's tenant."""

    @blp.doc(operationId="assign_member_role")
    @blp.response(200)
    @blp.errors(errors.InsufficientPermissions, errors.UnknownTenantMember)
    def put(self, user_id):
        """Assign a member's role (role `admin`)"""
        raise errors.UnknownTenantMember(user_id=user_id)

    @blp.doc(operationId="remove_tenant_member")
    @blp.response(200)
    @blp.errors(errors.InsufficientPermissions, errors.UnknownTenantMember)
    def delete(self, user_id):
        """Remove a member (role `admin`)"""
        raise errors.UnknownTenantMember(user_id=user_id)


@blp.route("/oidc_trust")
class OidcTrusts(MethodView):
    """The tenant's OIDC trust relationships."""

    @blp.doc(operationId="list_oidc_trusts")
    @blp.response(200, LIST)
    @blp.errors(errors.InsufficientPermissions)
    def get(self):
        """List OIDC trusts (role `admin`): none are kept"""
        return json_response("[]")

    @blp.doc(operationId="create_oidc_trust")
    @blp.response(201, {"type": "object"})
    @blp.errors(errors.InsufficientPermissions, errors.SingleTenant)
    def post(self):
        """Create an OIDC trust (role `admin`); JWT issuers are configured in settings"""
        raise errors.SingleTenant(what="OIDC trust relationships")


@blp.route("/oidc_trust/<string:name>")
class OidcTrust(MethodView):
    """One OIDC trust relationship."""

    @blp.doc(operationId="get_oidc_trust")
    @blp.response(200, {"type": "object"})
    @blp.errors(errors.InsufficientPermissions, errors.UnknownOidcTrust)
    def get(self, name):
        """Get an OIDC trust (role `admin`)"""
        raise errors.UnknownOidcTrust(name=name)

    @blp.doc(operationId="delete_oidc_trust")
    @blp.response(200)
    @blp.errors(errors.InsufficientPermissions, errors.UnknownOidcTrust)
    def delete(self, name):
        """Delete an OIDC trust (role `admin`)"""
        raise errors.UnknownOidcTrust(name=name)

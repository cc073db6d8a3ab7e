"""More AWS data stores in Terraform: RDS global clusters and automated-backup replication,
DocumentDB, Neptune, Elasticsearch/OpenSearch, and the buckets and log groups that receive
access logs or VPC flow logs (log stores, docs/model.md).

Defaults are AWS's: DocumentDB and Neptune clusters are unencrypted unless
``storage_encrypted``; a search domain stores unencrypted unless ``encrypt_at_rest`` is
enabled, then under the AWS-managed ``aws/es`` key unless ``kms_key_id`` names one.
"""

from __future__ import annotations

from typing import Any

from scanner.iac.aws import _encryption
from scanner.iac.hcl import Ref, TfResource, ref_address, resolve
from scanner.iac.normalize import Ctx, Normalized, key_edges, register
from scanner.iac.regions import place

__all__ = ["replica_regions_of_cluster", "backup_replication_regions", "log_destinations"]


def _storage_encrypted(res: TfResource, ctx: Ctx, key_arg: str = "kms_key_id") -> dict[str, Any]:
    enc = ctx.value(res, "storage_encrypted")
    if "storage_encrypted" in res.attrs and enc is None:
        return {}
    if not enc:
        return {"encryption.enabled": False, "encryption.key_manager": "none"}
    return _encryption(ctx, res.attrs.get(key_arg), enabled=True, default_manager="provider")


def _members(ctx: Ctx, res: TfResource, arg: str, types: tuple[str, ...]) -> list[TfResource] | None:
    """Resources anywhere in the code whose ``arg`` names ``res`` (by reference or identifier);
    None when one of them names something we cannot tell."""
    if ctx.project is None:
        return []
    ident = resolve(res.attrs.get("global_cluster_identifier")) or resolve(res.attrs.get("identifier"))
    out = []
    for other in ctx.project.resources:
        if other.type not in types or arg not in other.attrs:
            continue
        v = other.attrs[arg]
        if ref_address(v) == res.address or (isinstance(resolve(v), str) and ident and resolve(v).endswith(ident)):
            out.append(other)
        elif not isinstance(v, Ref) and resolve(v) is None:
            return None
    return out


def replica_regions_of_cluster(ctx: Ctx, cluster: TfResource) -> list[str] | None:
    """Regions of the other members of the global cluster ``cluster`` belongs to."""
    gid = cluster.attrs.get("global_cluster_identifier")
    if gid is None:
        return []
    address = ref_address(gid)
    target = ctx.lookup(address) if address else None
    if target is None and ctx.project is not None:
        name = resolve(gid)
        target = next((r for r in ctx.project.resources if r.type == "aws_rds_global_cluster"
                       and resolve(r.attrs.get("global_cluster_identifier")) == name), None)
    if target is None:
        return None  # a global cluster defined elsewhere: its other members are not in code
    members = _members(ctx, target, "global_cluster_identifier", ("aws_rds_cluster",))
    if members is None:
        return None
    own = place(cluster).region
    regions = [place(m).region for m in members if m is not cluster]
    if None in regions:
        return None
    return sorted({r for r in regions if r != own})  # type: ignore[misc]


def global_cluster(res: TfResource, ctx: Ctx) -> Normalized:
    if "source_db_cluster_identifier" in res.attrs:
        props: dict[str, Any] = {}  # encryption is the source cluster's
    else:
        props = _storage_encrypted(res, ctx)
    members = _members(ctx, res, "global_cluster_identifier", ("aws_rds_cluster",))
    regions = None if members is None else [place(m).region for m in members]
    props["replica_regions"] = None if regions is None or None in regions else sorted(set(regions))  # type: ignore[type-var]
    return Normalized("database", "AWS::RDS::GlobalCluster", props,
                      name=ctx.value(res, "global_cluster_identifier") or res.name, edges=key_edges(props))


def backup_replication_regions(ctx: Ctx, instance: TfResource) -> list[str] | None:
    """Regions automated backups of ``instance`` are replicated to
    (``aws_db_instance_automated_backups_replication``: created in the destination region)."""
    if ctx.project is None:
        return []
    regions: list[str] = []
    for rep in ctx.project.resources:
        if rep.type != "aws_db_instance_automated_backups_replication":
            continue
        src = rep.attrs.get("source_db_instance_arn")
        ident = resolve(instance.attrs.get("identifier"))
        if ref_address(src) == instance.address or (isinstance(resolve(src), str) and ident and resolve(src).endswith(f":db:{ident}")):
            region = place(rep).region
            if region is None:
                return None
            regions.append(region)
        elif ref_address(src) is None and resolve(src) is None:
            return None  # a replication whose source we cannot tell may be this instance's
    return sorted(set(regions))


def docdb_cluster(native: str):
    def fn(res: TfResource, ctx: Ctx) -> Normalized:
        props = _storage_encrypted(res, ctx)
        # a member of a DocumentDB/Neptune global cluster: the other members are not followed
        props["replica_regions"] = None if "global_cluster_identifier" in res.attrs else []
        return Normalized("database", native, props, name=ctx.value(res, "cluster_identifier") or res.name,
                          edges=key_edges(props))
    return fn


def search_domain(native: str):
    def fn(res: TfResource, ctx: Ctx) -> Normalized:
        ear = ctx.block(res, "encrypt_at_rest")
        on = resolve(ear.get("enabled")) if ear else False
        if ear is not None and "enabled" in ear and on is None:
            props: dict[str, Any] = {}
        elif not on:
            props = {"encryption.enabled": False, "encryption.key_manager": "none"}
        else:
            assert ear is not None  # on is truthy only when the block is there
            props = _encryption(ctx, ear.get("kms_key_id"), enabled=True, default_manager="provider")
        props["replica_regions"] = []  # a domain lives in one region; cross-cluster search copies nothing
        return Normalized("database", native, props, name=ctx.value(res, "domain_name") or res.name,
                          edges=key_edges(props))
    return fn


def log_destinations(ctx: Ctx) -> dict[str, str]:
    """Resource ids that receive logs → their class: buckets named by ``aws_s3_bucket_logging``
    (access logs: audit), buckets and log groups named by ``aws_flow_log`` (firewall)."""
    from scanner.iac.aws import _bucket

    out: dict[str, str] = {}
    if ctx.project is None:
        return out
    for r in ctx.project.resources:
        if r.type == "aws_s3_bucket_logging":
            b = _bucket(ctx, r.attrs.get("target_bucket"))
            if b is not None:
                out.setdefault(ctx.id_of(b.address), "audit")
        elif r.type == "aws_flow_log":
            dest = r.attrs.get("log_destination")
            kind = resolve(r.attrs.get("log_destination_type")) or "cloud-watch-logs"
            if kind == "s3":
                b = _bucket(ctx, dest)
                if b is not None:
                    out[ctx.id_of(b.address)] = "firewall"
            for v in (dest, r.attrs.get("log_group_name")):
                if isinstance(v, Ref) and v.type == "aws_cloudwatch_log_group":
                    out[ctx.id_of(v.address)] = "firewall"
    return out


register(
    {
        "aws_rds_global_cluster": (global_cluster, "database"),
        "aws_docdb_cluster": (docdb_cluster("AWS::DocDB::DBCluster"), "database"),
        "aws_neptune_cluster": (docdb_cluster("AWS::Neptune::DBCluster"), "database"),
        "aws_elasticsearch_domain": (search_domain("AWS::Elasticsearch::Domain"), "database"),
        "aws_opensearch_domain": (search_domain("AWS::OpenSearchService::Domain"), "database"),
    }
)

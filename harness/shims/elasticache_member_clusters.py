"""Shim: ElastiCache replication groups get their member cache clusters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch


def apply() -> None:
    """moto creates replication groups without member clusters, so reading `<group>-001` fails.

    AWS creates one cache cluster per member (`<group>-001`, `-002`, ...) and the AWS
    provider reads each of them back after creating a replication group; moto lists the
    member ids but never creates the clusters (and lists only one member when
    `NumCacheClusters` asks for more without `ReplicasPerNodeGroup`). This lists every
    requested member and creates each cluster with the group's node type, engine, port,
    subnet group, security groups and encryption settings (the provider reads
    at-rest encryption, parameter group and security groups back from the members: without
    them every plan replaces or updates the group).
    """
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend

    @patch(ElastiCacheBackend, "create_replication_group")
    def create_replication_group(
        original: Callable[..., Any], self: ElastiCacheBackend, **kwargs: Any
    ) -> Any:
        group = original(self, **kwargs)
        wanted = int(kwargs.get("num_cache_clusters") or 0)
        if group.cluster_mode != "enabled":
            while len(group.member_clusters) < wanted:
                group.member_clusters.append(
                    f"{group.replication_group_id}-{len(group.member_clusters) + 1:0>3}"
                )
        for cluster_id in group.member_clusters:
            if cluster_id in self.cache_clusters:
                continue
            cluster = CacheCluster(
                account_id=self.account_id,
                region_name=self.region_name,
                cache_cluster_id=cluster_id,
                cache_node_type=group.cache_node_type,
                replication_group_id=group.replication_group_id,
                az_mode=None,
                preferred_availability_zone=None,
                num_cache_nodes=1,
                engine=group.engine,
                engine_version=group.engine_version,
                cache_parameter_group_name=group.cache_parameter_group_name,
                cache_subnet_group_name=group.cache_subnet_group_name,
                transit_encryption_enabled=group.transit_encryption_enabled,
                network_type=group.network_type,
                ip_discovery=group.ip_discovery,
                snapshot_name=None,
                preferred_maintenance_window=group.preferred_maintenance_window,
                port=group.port,
                notification_topic_arn=group.notification_topic_arn,
                auto_minor_version_upgrade=group.auto_minor_version_upgrade,
                snapshot_retention_limit=group.snapshot_retention_limit,
                snapshot_window=group.snapshot_window,
                auth_token=kwargs.get("auth_token"),
                outpost_mode=None,
                preferred_outpost_arn=None,
                preferred_availability_zones=None,
                cache_security_group_names=group.cache_security_group_names,
                security_group_ids=group.security_group_ids,
                tags=None,
                snapshot_arns=None,
                preferred_outpost_arns=None,
                log_delivery_configurations=[],
                cache_node_ids_to_remove=None,
                cache_node_ids_to_reboot=None,
            )
            cluster.replication_group_id = group.replication_group_id
            # The provider reads the group's encryption settings back from its members.
            cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled  # type: ignore[attr-defined]
            cluster.cache_parameter_group = {  # type: ignore[attr-defined]
                "CacheParameterGroupName": group.cache_parameter_group_name
                or f"default.{group.engine}{str(group.engine_version or '7').split('.')[0]}",
                "ParameterApplyStatus": "in-sync",
            }
            cluster.security_groups = [  # type: ignore[attr-defined]
                {"SecurityGroupId": sg, "Status": "active"} for sg in group.security_group_ids or []
            ]
            self.cache_clusters[cluster_id] = cluster
        return group

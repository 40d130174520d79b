"""Shim: deleting ElastiCache replication groups, clusters and subnet groups completes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import define, patch


def apply() -> None:
    """moto leaves a deleted replication group in status `deleting` forever, so destroy hangs.

    AWS removes the group and its member clusters once deletion finishes, and the AWS
    provider waits until the group is gone; moto only flips the status. This removes the
    group and its member clusters on delete, and removes a deleted cache cluster likewise.
    moto also lacks DeleteCacheSubnetGroup (HTTP 500, destroy retries until it times
    out); this implements it.
    """
    from moto.core.responses import ActionResult, EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    @patch(ElastiCacheBackend, "delete_replication_group")
    def delete_replication_group(
        original: Callable[..., Any],
        self: ElastiCacheBackend,
        replication_group_id: str,
        retain_primary_cluster: Any,
    ) -> Any:
        members = list(
            getattr(self.replication_groups.get(replication_group_id), "member_clusters", [])
        )
        group = original(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id, None)
        self.tagging_service.delete_all_tags_for_resource(group.arn)
        for cluster_id in members:
            self.cache_clusters.pop(cluster_id, None)
        return group

    @patch(ElastiCacheBackend, "delete_cache_cluster")
    def delete_cache_cluster(
        original: Callable[..., Any], self: ElastiCacheBackend, cache_cluster_id: str
    ) -> Any:
        cluster = original(self, cache_cluster_id)
        self.cache_clusters.pop(cache_cluster_id, None)
        self.tagging_service.delete_all_tags_for_resource(cluster.arn)
        return cluster

    @define(ElastiCacheBackend, "delete_cache_subnet_group")
    def delete_cache_subnet_group(self: ElastiCacheBackend, name: str) -> None:
        if name not in self.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        group = self.cache_subnet_groups.pop(name)
        self.tagging_service.delete_all_tags_for_resource(group.arn)

    @define(ElastiCacheResponse, "delete_cache_subnet_group")
    def delete_cache_subnet_group_response(self: ElastiCacheResponse) -> ActionResult:
        self.elasticache_backend.delete_cache_subnet_group(  # type: ignore[attr-defined]
            self._get_param("CacheSubnetGroupName")
        )
        return EmptyResult()

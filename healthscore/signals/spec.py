"""Placeholder: the signals stage owns this module (issue #3) and replaces these models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="allow")


class MetricSpec(BaseModel):
    model_config = ConfigDict(extra="allow")

"""The agent's tools: Financial Datasets API calls with schemas, trimming and caching."""

from dexter_core.agent.tools.toolbox import FinancialToolbox, Toolbox, ToolResult

__all__ = ["FinancialToolbox", "ToolResult", "Toolbox"]

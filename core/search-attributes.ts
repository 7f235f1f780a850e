import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword search attributes that make any run or job easy to find in the Temporal UI. */
export const SA_WORKSPACE = defineSearchAttributeKey('DagenWorkspaceId', SearchAttributeType.KEYWORD);
export const SA_WORKFLOW = defineSearchAttributeKey('DagenWorkflowId', SearchAttributeType.KEYWORD);
export const SA_AGENT = defineSearchAttributeKey('DagenAgentId', SearchAttributeType.KEYWORD);
export const SA_SOURCE = defineSearchAttributeKey('DagenSource', SearchAttributeType.KEYWORD);
export const SA_API_KEY = defineSearchAttributeKey('DagenApiKeyId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [SA_WORKSPACE, SA_WORKFLOW, SA_AGENT, SA_SOURCE, SA_API_KEY] as const;

// Layer: the AWS edge. Imports the semantics and the AWS SDK, never the Pulumi edge (.dependency-cruiser.cjs).
// The organization inventory's calls outside Secrets Manager: the accounts of an AWS Organization
// (Organizations ListAccounts, paginated) and one connection per member account through a role
// assumed there (STS AssumeRole, via the connection's credential chain). The listing of each
// account's secrets is SecretsManagerGateway.listSecrets (aws.ts), as the review's.
import { ListAccountsCommand, ListAccountsCommandOutput } from "@aws-sdk/client-organizations";

import { AwsConnection, connectionFor, describeError } from "./aws-clients";

export interface OrganizationAccount {
    id: string;
    name?: string;
    /** ACTIVE, SUSPENDED or PENDING_CLOSURE (ListAccounts' Account.Status; State is its newer twin). */
    status: string;
}

/**
 * Every account of the caller's organization: ListAccounts, page by page (the API's maximum of 20
 * a page; ListAccounts reference: "MaxResults ... Valid Range: Minimum value of 1. Maximum value of
 * 20."). Only the management account or a delegated administrator may call it.
 */
export async function listOrganizationAccounts(connection: AwsConnection): Promise<{ accounts: OrganizationAccount[]; pages: number }> {
    const client = connection.organizations();
    const accounts: OrganizationAccount[] = [];
    let pages = 0;
    let nextToken: string | undefined;
    try {
        do {
            pages++;
            let page: ListAccountsCommandOutput;
            try {
                page = await client.send(new ListAccountsCommand({ MaxResults: 20, NextToken: nextToken }));
            } catch (error) {
                throw new Error(`Organizations ListAccounts with ${connection.effective.source}: ${describeError(error)}`);
            }
            for (const account of page.Accounts ?? []) {
                if (!account.Id) continue;
                accounts.push({ id: account.Id, ...(account.Name ? { name: account.Name } : {}), status: account.State ?? account.Status ?? "UNKNOWN" });
            }
            nextToken = page.NextToken;
        } while (nextToken);
    } finally {
        client.destroy();
    }
    return { accounts, pages };
}

/**
 * The connection acting in `account` through `roleArn`: the base credentials (the environment's, or
 * the SDK's default chain), then STS AssumeRole with `sessionName` on first use. allowedAccountIds
 * makes the account guard refuse every call if the role's session turns out to act elsewhere.
 */
export function memberAccountConnection(account: string, roleArn: string, sessionName: string, stsRegion: string | undefined): AwsConnection {
    return connectionFor({
        ...(stsRegion ? { region: stsRegion } : {}),
        assumeRoles: [{ roleArn, sessionName }],
        allowedAccountIds: [account],
    });
}

"""The AWS services credo can make service-linked roles for: role name, suffix rule, policy.

One row per service principal, as AWS answers ``CreateServiceLinkedRole`` for it: the role's
name (``AWSServiceRoleFor…``), whether the service accepts a ``CustomSuffix`` (the role is then
named ``<name>_<suffix>``), and the AWS managed policy AWS attaches, under
``arn:aws:iam::aws:policy/aws-service-role/`` ("-" where credo's policy catalog has none).
The names, suffix rules and policies are those AWS answered for each service (recorded from
real accounts in LocalStack's AWS-validated IAM snapshots) or documents on the service's
"Using service-linked roles" page.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from credo.iam import policy_catalog

POLICY_ARN_PREFIX = "arn:aws:iam::aws:policy/aws-service-role/"

# service principal, role name, custom suffix allowed, service-role policy name
_TABLE = """
accountdiscovery.ssm.amazonaws.com               AWSServiceRoleForAmazonSSM_AccountDiscovery                  no   AWSSystemsManagerAccountDiscoveryServicePolicy
access-analyzer.amazonaws.com                    AWSServiceRoleForAccessAnalyzer                              no   AccessAnalyzerServiceRolePolicy
acm.amazonaws.com                                AWSServiceRoleForCertificateManager                          no   CertificateManagerServiceRolePolicy
appmesh.amazonaws.com                            AWSServiceRoleForAppMesh                                     no   AWSAppMeshServiceRolePolicy
autoscaling-plans.amazonaws.com                  AWSServiceRoleForAutoScalingPlans_EC2AutoScaling             no   AWSAutoScalingPlansEC2AutoScalingPolicy
autoscaling.amazonaws.com                        AWSServiceRoleForAutoScaling                                 yes  AutoScalingServiceRolePolicy
backup.amazonaws.com                             AWSServiceRoleForBackup                                      no   AWSBackupServiceLinkedRolePolicyForBackup
batch.amazonaws.com                              AWSServiceRoleForBatch                                       no   BatchServiceRolePolicy
cassandra.application-autoscaling.amazonaws.com  AWSServiceRoleForApplicationAutoScaling_CassandraTable       no   AWSApplicationAutoscalingCassandraTablePolicy
cks.kms.amazonaws.com                            AWSServiceRoleForKeyManagementServiceCustomKeyStores         no   AWSKeyManagementServiceCustomKeyStoresServiceRolePolicy
cloudtrail.amazonaws.com                         AWSServiceRoleForCloudTrail                                  no   CloudTrailServiceRolePolicy
codestar-notifications.amazonaws.com             AWSServiceRoleForCodeStarNotifications                       no   AWSCodeStarNotificationsServiceRolePolicy
compute-optimizer.amazonaws.com                  AWSServiceRoleForComputeOptimizer                            no   ComputeOptimizerServiceRolePolicy
config.amazonaws.com                             AWSServiceRoleForConfig                                      no   AWSConfigServiceRolePolicy
connect.amazonaws.com                            AWSServiceRoleForAmazonConnect                               yes  AmazonConnectServiceLinkedRolePolicy
dms-fleet-advisor.amazonaws.com                  AWSServiceRoleForDMSFleetAdvisor                             no   AWSDMSFleetAdvisorServiceRolePolicy
dms.amazonaws.com                                AWSServiceRoleForDMSServerless                               no   AWSDMSServerlessServiceRolePolicy
docdb-elastic.amazonaws.com                      AWSServiceRoleForDocDB-Elastic                               no   AmazonDocDB-ElasticServiceRolePolicy
dynamodb.application-autoscaling.amazonaws.com   AWSServiceRoleForApplicationAutoScaling_DynamoDBTable        no   AWSApplicationAutoscalingDynamoDBTablePolicy
ec2-instance-connect.amazonaws.com               AWSServiceRoleForEc2InstanceConnect                          no   Ec2InstanceConnectEndpoint
ec2.application-autoscaling.amazonaws.com        AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest  no   AWSApplicationAutoscalingEC2SpotFleetRequestPolicy
ecr.amazonaws.com                                AWSServiceRoleForECRTemplate                                 no   ECRTemplateServiceRolePolicy
ecs.amazonaws.com                                AWSServiceRoleForECS                                         no   AmazonECSServiceRolePolicy
ecs.application-autoscaling.amazonaws.com        AWSServiceRoleForApplicationAutoScaling_ECSService           no   AWSApplicationAutoscalingECSServicePolicy
eks-connector.amazonaws.com                      AWSServiceRoleForAmazonEKSConnector                          no   AmazonEKSConnectorServiceRolePolicy
eks-fargate.amazonaws.com                        AWSServiceRoleForAmazonEKSForFargate                         no   AmazonEKSForFargateServiceRolePolicy
eks-nodegroup.amazonaws.com                      AWSServiceRoleForAmazonEKSNodegroup                          no   AWSServiceRoleForAmazonEKSNodegroup
eks.amazonaws.com                                AWSServiceRoleForAmazonEKS                                   no   AmazonEKSServiceRolePolicy
elasticache.amazonaws.com                        AWSServiceRoleForElastiCache                                 no   ElastiCacheServiceRolePolicy
elasticbeanstalk.amazonaws.com                   AWSServiceRoleForElasticBeanstalk                            no   AWSElasticBeanstalkServiceRolePolicy
elasticfilesystem.amazonaws.com                  AWSServiceRoleForAmazonElasticFileSystem                     no   AmazonElasticFileSystemServiceRolePolicy
elasticloadbalancing.amazonaws.com               AWSServiceRoleForElasticLoadBalancing                        no   AWSElasticLoadBalancingServiceRolePolicy
elasticmapreduce.amazonaws.com                   AWSServiceRoleForEMRCleanup                                  no   AmazonEMRCleanupPolicy
email.cognito-idp.amazonaws.com                  AWSServiceRoleForAmazonCognitoIdpEmailService                no   AmazonCognitoIdpEmailServiceRolePolicy
emr-containers.amazonaws.com                     AWSServiceRoleForAmazonEMRContainers                         no   AmazonEMRContainersServiceRolePolicy
emrwal.amazonaws.com                             AWSServiceRoleForEMRWAL                                      no   EMRDescribeClusterPolicyForEMRWAL
es.amazonaws.com                                 AWSServiceRoleForAmazonElasticsearchService                  no   AmazonElasticsearchServiceRolePolicy
fis.amazonaws.com                                AWSServiceRoleForFIS                                         no   AmazonFISServiceRolePolicy
globalaccelerator.amazonaws.com                  AWSServiceRoleForGlobalAccelerator                           no   AWSGlobalAcceleratorSLRPolicy
grafana.amazonaws.com                            AWSServiceRoleForAmazonGrafana                               no   AmazonGrafanaServiceLinkedRolePolicy
guardduty.amazonaws.com                          AWSServiceRoleForAmazonGuardDuty                             no   AmazonGuardDutyServiceRolePolicy
imagebuilder.amazonaws.com                       AWSServiceRoleForImageBuilder                                no   AWSServiceRoleForImageBuilder
inspector2.amazonaws.com                         AWSServiceRoleForAmazonInspector2                            no   AmazonInspector2ServiceRolePolicy
iotmanagedintegrations.amazonaws.com             AWSServiceRoleForIoTManagedIntegrations                      no   AWSIoTManagedIntegrationsRolePolicy
kafka.amazonaws.com                              AWSServiceRoleForKafka                                       no   KafkaServiceRolePolicy
kafkaconnect.amazonaws.com                       AWSServiceRoleForKafkaConnect                                no   KafkaConnectServiceRolePolicy
lakeformation.amazonaws.com                      AWSServiceRoleForLakeFormationDataAccess                     no   LakeFormationDataAccessServiceRolePolicy
lex.amazonaws.com                                AWSServiceRoleForLexBots                                     no   -
lexv2.amazonaws.com                              AWSServiceRoleForLexV2Bots                                   yes  AmazonLexV2BotPolicy
lightsail.amazonaws.com                          AWSServiceRoleForLightsail                                   no   LightsailExportAccess
m2.amazonaws.com                                 AWSServiceRoleForAWSM2                                       no   AWSM2ServicePolicy
macie.amazonaws.com                              AWSServiceRoleForAmazonMacie                                 no   AmazonMacieServiceRolePolicy
memorydb.amazonaws.com                           AWSServiceRoleForMemoryDB                                    no   MemoryDBServiceRolePolicy
mq.amazonaws.com                                 AWSServiceRoleForAmazonMQ                                    no   AmazonMQServiceRolePolicy
mrk.kms.amazonaws.com                            AWSServiceRoleForKeyManagementServiceMultiRegionKeys         no   AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy
notifications.amazonaws.com                      AWSServiceRoleForAwsUserNotifications                        no   AWSUserNotificationsServiceLinkedRolePolicy
observability.aoss.amazonaws.com                 AWSServiceRoleForAmazonOpenSearchServerless                  no   AmazonOpenSearchServerlessServiceRolePolicy
opensearchservice.amazonaws.com                  AWSServiceRoleForAmazonOpenSearchService                     no   AmazonOpenSearchServiceRolePolicy
ops.apigateway.amazonaws.com                     AWSServiceRoleForAPIGateway                                  no   APIGatewayServiceRolePolicy
ops.emr-serverless.amazonaws.com                 AWSServiceRoleForAmazonEMRServerless                         no   AmazonEMRServerlessServiceRolePolicy
opsdatasync.ssm.amazonaws.com                    AWSServiceRoleForSystemsManagerOpsDataSync                   no   AWSSystemsManagerOpsDataSyncServiceRolePolicy
opsinsights.ssm.amazonaws.com                    AWSServiceRoleForAmazonSSM_OpsInsights                       no   AWSSSMOpsInsightsServiceRolePolicy
organizations.amazonaws.com                      AWSServiceRoleForOrganizations                               no   AWSOrganizationsServiceTrustPolicy
pullthroughcache.ecr.amazonaws.com               AWSServiceRoleForECRPullThroughCache                         no   AWSECRPullThroughCache_ServiceRolePolicy
ram.amazonaws.com                                AWSServiceRoleForResourceAccessManager                       no   AWSResourceAccessManagerServiceRolePolicy
rds.amazonaws.com                                AWSServiceRoleForRDS                                         no   AmazonRDSServiceRolePolicy
redshift.amazonaws.com                           AWSServiceRoleForRedshift                                    no   AmazonRedshiftServiceLinkedRolePolicy
replication.cassandra.amazonaws.com              AWSServiceRoleForKeyspacesReplication                        no   KeyspacesReplicationServiceRolePolicy
replication.ecr.amazonaws.com                    AWSServiceRoleForECRReplication                              no   ECRReplicationServiceRolePolicy
replicator.lambda.amazonaws.com                  AWSServiceRoleForLambdaReplicator                            no   AWSLambdaReplicator
repository.sync.codeconnections.amazonaws.com    AWSServiceRoleForGitSync                                     no   AWSGitSyncServiceRolePolicy
resource-explorer-2.amazonaws.com                AWSServiceRoleForResourceExplorer                            no   AWSResourceExplorerServiceRolePolicy
rolesanywhere.amazonaws.com                      AWSServiceRoleForRolesAnywhere                               no   AWSRolesAnywhereServicePolicy
s3-outposts.amazonaws.com                        AWSServiceRoleForS3OnOutposts                                no   AWSS3OnOutpostsServiceRolePolicy
securityhub.amazonaws.com                        AWSServiceRoleForSecurityHub                                 no   AWSSecurityHubServiceRolePolicy
ses.amazonaws.com                                AWSServiceRoleForAmazonSES                                   no   AmazonSESServiceRolePolicy
shield.amazonaws.com                             AWSServiceRoleForAWSShield                                   no   AWSShieldServiceRolePolicy
spot.amazonaws.com                               AWSServiceRoleForEC2Spot                                     no   AWSEC2SpotServiceRolePolicy
spotfleet.amazonaws.com                          AWSServiceRoleForEC2SpotFleet                                no   AWSEC2SpotFleetServiceRolePolicy
ssm-incidents.amazonaws.com                      AWSServiceRoleForIncidentManager                             no   AWSIncidentManagerServiceRolePolicy
ssm-quicksetup.amazonaws.com                     AWSServiceRoleForSSMQuickSetup                               no   SSMQuickSetupRolePolicy
ssm.amazonaws.com                                AWSServiceRoleForAmazonSSM                                   no   AmazonSSMServiceRolePolicy
sso.amazonaws.com                                AWSServiceRoleForSSO                                         no   AWSSSOServiceRolePolicy
support.amazonaws.com                            AWSServiceRoleForSupport                                     no   AWSSupportServiceRolePolicy
transitgateway.amazonaws.com                     AWSServiceRoleForVPCTransitGateway                           no   AWSVPCTransitGatewayServiceRolePolicy
trustedadvisor.amazonaws.com                     AWSServiceRoleForTrustedAdvisor                              no   AWSTrustedAdvisorServiceRolePolicy
vpcorigin.cloudfront.amazonaws.com               AWSServiceRoleForCloudFrontVPCOrigin                         no   AWSCloudFrontVPCOriginServiceRolePolicy
waf.amazonaws.com                                AWSServiceRoleForWAFLogging                                  no   WAFLoggingServiceRolePolicy
wafv2.amazonaws.com                              AWSServiceRoleForWAFV2Logging                                no   WAFV2LoggingServiceRolePolicy
"""


@dataclass(frozen=True)
class ServiceLinkedRoleTemplate:
    """How AWS makes one service's service-linked role."""

    service: str
    role_name: str
    suffix_allowed: bool
    policy_name: str | None

    @property
    def policy_arn(self) -> str | None:
        """The managed policy attached to the role, if credo's catalog ships it."""
        if self.policy_name is None:
            return None
        arn = POLICY_ARN_PREFIX + self.policy_name
        return arn if policy_catalog.find(arn) is not None else None


@functools.cache
def templates() -> dict[str, ServiceLinkedRoleTemplate]:
    """Service principal → template, parsed once from the table above."""
    found: dict[str, ServiceLinkedRoleTemplate] = {}
    for line in _TABLE.strip().splitlines():
        service, role_name, suffix, policy = line.split()
        found[service] = ServiceLinkedRoleTemplate(
            service, role_name, suffix == "yes", None if policy == "-" else policy
        )
    return found


def find(service: str) -> ServiceLinkedRoleTemplate | None:
    """The template for a service principal; principals are case-sensitive, as AWS's are."""
    return templates().get(service)


def role_arn(account_id: str, service: str, suffix: str | None = None) -> str:
    """The ARN of the role CreateServiceLinkedRole would make, which it is authorized against
    (the path alone for a service credo does not know)."""
    template = find(service)
    name = "" if template is None else template.role_name + (f"_{suffix}" if suffix else "")
    return f"arn:aws:iam::{account_id}:role/aws-service-role/{service}/{name}"

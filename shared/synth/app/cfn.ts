import type { CfnTemplate } from '../../cfn-yaml.ts';

/** Intrinsic-function helpers for the template builders: plain objects, as CloudFormation's JSON has them. */

export type Json = unknown;
export type Resource = CfnTemplate['Resources'][string];
export type Resources = Record<string, Resource>;

export const ref = (name: string): Json => ({ Ref: name });
export const sub = (text: string): Json => ({ 'Fn::Sub': text });
export const getAtt = (resource: string, attribute: string): Json => ({
  'Fn::GetAtt': [resource, attribute],
});
export const ifThen = (condition: string, yes: Json, no: Json): Json => ({ 'Fn::If': [condition, yes, no] });
export const noValue = ref('AWS::NoValue');
export const not = (condition: Json): Json => ({ 'Fn::Not': [condition] });
export const equals = (a: Json, b: Json): Json => ({ 'Fn::Equals': [a, b] });

/** `app/<name>/<id>`: the load balancer's CloudWatch dimension, from its ARN parameter. */
export const loadBalancerFullName = {
  'Fn::Select': [1, { 'Fn::Split': ['loadbalancer/', ref('LoadBalancerArn')] }],
};
/** `targetgroup/<name>/<id>`: the target group's CloudWatch dimension, from its ARN parameter. */
export const targetGroupFullName = { 'Fn::Select': [5, { 'Fn::Split': [':', ref('TargetGroupArn')] }] };

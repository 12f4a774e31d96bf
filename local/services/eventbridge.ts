import { AwsError } from '../errors.ts';
import type { EventBus, Rule } from '../events/bus.ts';
import { InvalidEventPatternError, matchesPattern, parseEventPattern } from '../events/pattern.ts';
import type { ServiceDefinition } from '../kernel.ts';

function describe(rule: Rule) {
  return {
    Name: rule.Name,
    Arn: rule.Arn,
    EventPattern: rule.EventPattern,
    ScheduleExpression: rule.ScheduleExpression,
    State: rule.State,
    Description: rule.Description,
    RoleArn: rule.RoleArn,
    EventBusName: rule.EventBusName,
  };
}

/** EventBridge over awsJson 1.1, backed by the cloud's event bus. */
export function eventBridgeService(bus: EventBus): ServiceDefinition {
  return {
    protocol: 'awsJson1_1',
    targetPrefix: 'AWSEvents',
    operations: {
      PutEvents: (input) => bus.putEvents(input.Entries),
      PutRule: (input) => bus.putRule(input),
      DeleteRule: (input) => {
        bus.deleteRule(input.Name, input.EventBusName);
        return {};
      },
      DescribeRule: (input) => describe(bus.describeRule(input.Name, input.EventBusName)),
      ListRules: (input) => ({ Rules: bus.listRules(input).map(describe) }),
      EnableRule: (input) => {
        bus.setRuleState(input.Name, 'ENABLED', input.EventBusName);
        return {};
      },
      DisableRule: (input) => {
        bus.setRuleState(input.Name, 'DISABLED', input.EventBusName);
        return {};
      },
      PutTargets: (input) => bus.putTargets(input.Rule, input.Targets ?? [], input.EventBusName),
      RemoveTargets: (input) => bus.removeTargets(input.Rule, input.Ids ?? [], input.EventBusName),
      ListTargetsByRule: (input) => ({ Targets: bus.listTargetsByRule(input.Rule, input.EventBusName) }),
      CreateEventBus: (input) => bus.createEventBus(input.Name),
      ListEventBuses: () => ({ EventBuses: bus.listEventBuses() }),
      TestEventPattern: (input) => {
        try {
          return { Result: matchesPattern(parseEventPattern(input.EventPattern), JSON.parse(input.Event)) };
        } catch (error) {
          if (error instanceof InvalidEventPatternError)
            throw new AwsError('InvalidEventPatternException', error.message);
          throw new AwsError('InvalidEventPatternException', 'Event is not valid JSON.');
        }
      },
    },
  };
}

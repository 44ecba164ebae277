import { ApiPropertyOptional } from '@nestjs/swagger';
import { Expose, Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { IpPoolResponseDto } from '../../accounts/dto/ip-pool.dto';
import { INT4_MAX } from '../../core/database/pg-limits';
import { toBoolean } from '../../core/http/to-boolean';
import { SocketLabsPageQueryDto } from '../../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsShaped } from '../../core/http/validation';

const hasPool = (o: { ipPoolId?: unknown }) => o.ipPoolId !== undefined && o.ipPoolId !== null;

/**
 * SocketLabs routes a subaccount's mail either through one IP pool or through its rule engine: "If neither
 * are set or both attributes are set, the API call will fail" (quickstart). Checked here, so the call is
 * never made. `required` is false for an update, where neither may be given.
 */
@ValidatorConstraint({ name: 'subaccountRouting' })
class SubaccountRoutingConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return problem(args) === null;
  }

  defaultMessage(args: ValidationArguments): string {
    return problem(args) ?? '';
  }
}

function problem(args: ValidationArguments): string | null {
  const o = args.object as { name?: unknown; ipPoolId?: unknown; useRuleEngine?: unknown };
  const [required] = args.constraints as [boolean];
  if (o.useRuleEngine !== undefined && o.useRuleEngine !== null && typeof o.useRuleEngine !== 'boolean')
    return 'useRuleEngine must be a boolean value';
  const rules = o.useRuleEngine === true;
  if (required) {
    return hasPool(o) === rules
      ? 'exactly one of ipPoolId or useRuleEngine=true must be given (SocketLabs refuses neither and both)'
      : null;
  }
  if (hasPool(o) && rules) return 'ipPoolId and useRuleEngine=true cannot both be given';
  const nothing = o.name === undefined && !hasPool(o) && (o.useRuleEngine === undefined || o.useRuleEngine === null);
  return nothing ? 'give at least one of name, ipPoolId, useRuleEngine' : null;
}

@SocketLabsShaped()
export class CreateSubaccountDto {
  /**
   * Subaccount display name.
   * @example "My Subaccount"
   */
  @IsString()
  @Length(1, 200)
  name: string;

  /**
   * The IP pool that sends the subaccount's mail (from `GET /accounts/ip-pools`). Give this or
   * `useRuleEngine: true`, not both. SocketLabs' spelling `ipPoolID` is accepted too.
   * @example 12345
   */
  @Expose()
  @Transform(({ obj }: { obj: Record<string, unknown> }) => obj.ipPoolId ?? obj.ipPoolID)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  ipPoolId?: number;

  /**
   * `true` to route the subaccount's mail with the account's rule engine instead of one IP pool. Give this
   * or `ipPoolId`, not both. The strings `"true"`/`"false"` are accepted.
   * @example true
   */
  @Transform(toBoolean)
  @Validate(SubaccountRoutingConstraint, [true])
  useRuleEngine?: boolean;
}

/** The fields to change; at least one. SocketLabs does not document this call: the create fields are sent. */
@SocketLabsShaped()
export class UpdateSubaccountDto {
  /**
   * New display name.
   * @example "My Subaccount"
   */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  /**
   * Move the subaccount to this IP pool (not together with `useRuleEngine: true`).
   * @example 12345
   */
  @Expose()
  @Transform(({ obj }: { obj: Record<string, unknown> }) => obj.ipPoolId ?? obj.ipPoolID)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  ipPoolId?: number;

  /** `true` to route with the rule engine instead of an IP pool. */
  @Transform(toBoolean)
  @Validate(SubaccountRoutingConstraint, [false])
  useRuleEngine?: boolean;
}

/** Paging, sorting and filters passed through to SocketLabs, e.g. `sortField=name&filters=name=like:shop`. */
export class ListSubaccountsQueryDto extends SocketLabsPageQueryDto {}

/** A subaccount as SocketLabs answers it (quickstart); fields beyond these are passed through. */
export class SubaccountResponseDto {
  /** @example 12345 */
  subaccountId: number;
  /** @example 98765 */
  accountId: number;
  /** @example "My Subaccount" */
  name: string;
  /** @example "Active" */
  status: string;
  /** @example "2022-01-01T07:00:00-05:00" */
  createdOn: string;
  /** @example 85 */
  streamScore: number;
  /** @example 123456 */
  dailyVolume: number;
  /** @example "Low" */
  urgency: string;
  /** Whether a DKIM entry is set up. */
  hasDkim: boolean;
  /** Whether a custom bounce domain (SPF) is set up. */
  hasSpf: boolean;
  /** Present when the subaccount routes with the rule engine. */
  @ApiPropertyOptional({ example: true })
  useRuleEngine?: boolean;
  /** Present when the subaccount sends through one IP pool. */
  assignedIpPool?: IpPoolResponseDto;
}

export class SubaccountListResponseDto {
  data: SubaccountResponseDto[];
  /** @example 1 */
  total: number;
}

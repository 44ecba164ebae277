import { Expose, Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsNotEmpty, IsString, Length } from 'class-validator';
import { SocketLabsPageQueryDto } from '../../socketlabs/dto/socketlabs-page-query.dto';
import { SocketLabsShaped } from '../../core/http/validation';

@SocketLabsShaped()
export class CreateIpPoolDto {
  /**
   * IP pool display name.
   * @example "Transactional"
   */
  @IsString()
  @Length(1, 200)
  name: string;

  /**
   * The `ipAssignmentId` of each IP address to put in the pool (from `GET /accounts/ip-allocations`).
   * SocketLabs' spelling `ipAssignmentIDs` is accepted too.
   * @example ["ipa-1001", "ipa-1002"]
   */
  @Expose()
  @Transform(({ obj }: { obj: Record<string, unknown> }) => normaliseIds(obj.ipAssignmentIds ?? obj.ipAssignmentIDs))
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  ipAssignmentIds: string[];
}

/** Numbers are accepted and sent as strings, the type SocketLabs documents. */
function normaliseIds(value: unknown): unknown {
  return Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'number' ? String(v) : v)) : value;
}

export class ListIpPoolsQueryDto extends SocketLabsPageQueryDto {}

/** An IP pool as SocketLabs answers it (the shape of a subaccount's `assignedIpPool`). */
export class IpPoolResponseDto {
  /** @example 12345 */
  ipPoolId: number;
  /** @example 98765 */
  accountId: number;
  /** @example "My Ip Pool" */
  name: string;
  /** @example "Active" */
  status: string;
  /** @example "2022-01-01T07:00:00-05:00" */
  createdOn: string;
  /** @example false */
  isDefault: boolean;
  /** @example 85 */
  streamScore: number;
  /** @example 123456 */
  dailyVolume: number;
}

export class IpPoolListResponseDto {
  data: IpPoolResponseDto[];
  total: number;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { SocketLabsPageQueryDto } from '../../socketlabs/dto/socketlabs-page-query.dto';

/**
 * Passed through to `GET /v2/ip-allocation`, e.g.
 * `pageNumber=0&pageSize=5&sortField=IpAddress&sortDirection=asc&filters=IpAddress=like:10.28.100`.
 */
export class ListIpAllocationsQueryDto extends SocketLabsPageQueryDto {}

/** One IP address of the account. SocketLabs does not document this answer; its fields are passed through. */
export class IpAllocationResponseDto {
  /**
   * The id to put in an IP pool's `ipAssignmentIds`.
   * @example "ipa-1001"
   */
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'integer' }], example: 'ipa-1001' })
  ipAssignmentId?: string | number;
  /** @example "10.28.100.11" */
  ipAddress?: string;
}

export class IpAllocationListResponseDto {
  data: IpAllocationResponseDto[];
  total: number;
}

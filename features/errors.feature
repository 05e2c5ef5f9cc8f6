@errors
Feature: Errors
  Every answer other than 200 carries the Error body: the HTTP reason as title, the
  status, a human message, the correlation id of the request, and, for bad
  parameters, one entry per offending parameter naming it.

  Scenario Outline: An unknown <what> is not found: <resource>
    Given <subject>
    When the client asks for <resource>
    Then the answer is a "Not Found" error
    And the error body carries the same correlation id as the response

    Examples: a program that does not exist
      | what    | subject                     | resource                          |
      | program | a program that does not exist | the program                     |
      | program | a program that does not exist | the members                     |

    Examples: a member that does not exist
      | what   | subject                   | resource                          |
      | member | a member that does not exist | the member                     |
      | member | a member that does not exist | the member's transactions      |
      | member | a member that does not exist | the member's point periods     |
      | member | a member that does not exist | the member's reward ladder     |
      | member | a member that does not exist | the member's points history    |
      | member | a member that does not exist | the member's suspension periods |

  Scenario Outline: An id that is not a whole number of at least 1 (<parameter> = <value>) is refused, naming it
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client asks for <resource> with <parameter> written as "<value>"
    Then the answer is a "Bad Request" error
    And the error names the parameter "<parameter>"

    Examples:
      | resource                         | parameter     | value |
      | the program                      | programId     | abc   |
      | the program                      | programId     | 0     |
      | the members                      | programId     | -3    |
      | the member                       | memberId      | abc   |
      | the member                       | memberId      | 0     |
      | the member                       | memberId      | 1.5   |
      | the member's transactions        | memberId      | x1    |
      | the member's point periods       | memberId      | -1    |
      | the member's reward ladder       | memberId      | abc   |
      | the member's points history      | memberId      | abc   |
      | the member's suspension periods  | memberId      | abc   |
      | the point period                 | pointPeriodId | abc   |
      | the point period                 | pointPeriodId | 0     |

  Scenario Outline: Bad query parameters on <resource> are answered with the Error body naming each of them once
    Given a member with more than 100 transactions
    When the client lists <resource> with query "<query>"
    Then the answer is a "Bad Request" error
    And the error names the parameters "<first>" and "<second>"
    And the error body carries the same correlation id as the response

    Examples:
      | resource                    | query                                   | first          | second        |
      | the member's transactions   | perPage=0&page=x                        | page           | perPage       |
      | the member's points history | pointEventType=X&createdAfter=x         | pointEventType | createdAfter  |
      | the members                 | page=-5&perPage=-1000                   | page           | perPage       |

  Scenario: A path that is not part of the API is not found, with the Error body
    Given a member with more than 100 transactions
    When the client requests the path "/members/{memberId}/no-such-thing" under the program
    Then the answer is a "Not Found" error

  @limits @mock-only
  Scenario Outline: A request target that is too long is refused with the Error body: <resource>
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client asks for <resource> with a request target of more than 16000 characters
    Then the answer is a "Request URI Too Long" error
    And the error body carries the same correlation id as the response

    Examples:
      | resource                        |
      | the program                     |
      | the members                     |
      | the member                      |
      | the member's transactions       |
      | the member's point periods      |
      | the point period                |
      | the member's reward ladder      |
      | the member's points history     |
      | the member's suspension periods |

  @limits @mock-only
  Scenario Outline: Request headers that are too large are refused with the Error body: <resource>
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    When the client asks for <resource> with more than 40000 bytes of headers
    Then the answer is a "Request Header Fields Too Large" error
    And the error body carries the same correlation id as the response

    Examples:
      | resource                        |
      | the program                     |
      | the members                     |
      | the member                      |
      | the member's transactions       |
      | the member's point periods      |
      | the point period                |
      | the member's reward ladder      |
      | the member's points history     |
      | the member's suspension periods |

  Scenario Outline: An error answer carries the Error body, with the HTTP reason as title, its status, a message and its correlation id: a request <case>
    Given a member with more than 100 transactions
    When the client sends a request <case>
    Then the answer is a "<reason>" error
    And the answer carries the Error body: the HTTP reason as title, its status, a message and its correlation id

    Examples:
      | case                                   | reason      |
      | with a page size of 0                  | Bad Request |
      | with an event type that does not exist | Bad Request |
      | for a member that does not exist       | Not Found   |
      | for a program that does not exist      | Not Found   |
      | for a path that is not part of the API | Not Found   |

    @clientName-required
    Examples: where a client must name itself (clientName: required)
      | case                                   | reason      |
      | without naming itself                  | Bad Request |

  Scenario Outline: An error answer is JSON too, with Content-Type application/json: a request <case>
    Given a member with more than 100 transactions
    When the client sends a request <case>
    Then the answer is JSON, sent as application/json

    Examples:
      | case                                   |
      | with a page size of 0                  |
      | for a member that does not exist       |
      | for a path that is not part of the API |

    @clientName-required
    Examples: where a client must name itself (clientName: required)
      | case                                   |
      | without naming itself                  |

    @methods @unsafe-methods
    Examples: a method the API does not offer
      | case                                   |
      | with the method DELETE                 |

  @methods @unsafe-methods
  Scenario Outline: A request with a method other than GET (<method>) is refused with the Error body: <resource>
    Given a member with between 21 and 100 transactions
    When the client sends a <method> request for <resource>
    Then the request is refused with a client error
    And the answer carries the Error body: the HTTP reason as title, its status, a message and its correlation id

    Examples:
      | method | resource                  |
      | POST   | the members               |
      | PUT    | the member                |
      | PATCH  | the member                |
      | DELETE | the member's transactions |

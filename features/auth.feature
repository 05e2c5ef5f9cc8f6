@auth
Feature: Authentication
  Every operation is protected by a bearer token (a JWT). A request without a valid
  "Authorization: Bearer <token>" header is refused with 401 and the Error body.
  These scenarios run only when asked for (--tags @auth), against a target that
  checks tokens, for example the mock started with --auth bearer.

  @errors
  Scenario Outline: A request without credentials is refused: <resource>
    Given a member with between 21 and 100 transactions
    And one of the member's point periods
    And the client sends no credentials
    When the client asks for <resource>
    Then the answer is an "Unauthorized" error

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

  @errors
  Scenario Outline: Credentials that are not a bearer token are refused (<credentials>)
    Given a member with between 21 and 100 transactions
    And the client sends the credentials "<credentials>"
    When the client asks for the member's transactions
    Then the answer is an "Unauthorized" error

    Examples:
      | credentials          |
      | Basic dXNlcjpwYXNz   |
      | Bearer               |
      | eyJhbGciOiJIUzI1NiJ9 |

  Scenario: A request with the bearer token is answered
    Given a member with between 21 and 100 transactions
    And the client sends its bearer token
    When the client asks for the member's transactions
    Then the response status is 200

package mockserver

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// requireBearer answers 401 unless the request carries a non-empty bearer
// token. The mock does not check the token itself: it only makes sure a
// frontend sends one, as the real deployment would require.
func requireBearer(c *gin.Context) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="members-mock"`)
		abortWithError(c, http.StatusUnauthorized,
			"This operation needs an Authorization header of the form 'Bearer <token>'.")
		return
	}
	c.Next()
}
